/**
 * The Toxiproxy v2 routes, matched like gorilla/mux: path segments are `[^/]+`, an unknown
 * path is 404 and a known path with another method is 405 (both before any middleware).
 * @module
 */

export type Route = 'proxies' | 'populate' | 'proxy' | 'toxics' | 'toxic' | 'reset' | 'version'

const table: { route: Route; pattern: RegExp; methods: string[] }[] = [
  { route: 'reset', pattern: /^\/reset$/, methods: ['POST'] },
  { route: 'proxies', pattern: /^\/proxies$/, methods: ['GET', 'POST'] },
  { route: 'populate', pattern: /^\/populate$/, methods: ['POST'] },
  { route: 'proxy', pattern: /^\/proxies\/([^/]+)$/, methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
  { route: 'toxics', pattern: /^\/proxies\/([^/]+)\/toxics$/, methods: ['GET', 'POST'] },
  {
    route: 'toxic',
    pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
  },
  { route: 'version', pattern: /^\/version$/, methods: ['GET'] },
]

export type Match =
  | { kind: 'route'; route: Route; params: string[] }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' }

export function matchRoute(method: string, rawPath: string): Match {
  let pathMatched = false
  for (const entry of table) {
    const m = entry.pattern.exec(rawPath)
    if (!m) {
      continue
    }
    pathMatched = true
    if (entry.methods.includes(method)) {
      try {
        return { kind: 'route', route: entry.route, params: m.slice(1).map(decodeURIComponent) }
      } catch {
        return { kind: 'not-found' }
      }
    }
  }
  return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' }
}
