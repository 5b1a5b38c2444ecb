/**
 * URLs and ports that only templates make concrete are still checked before the run: with
 * every `{{...}}` standing for a plausible value, an http probe's `url`, a load's `url`, a
 * check source's `url`, a Prometheus `endpoint` and an http readiness must parse as http(s)
 * URLs, and a tcp probe's `port` must be a number. Otherwise `localhost:8080` (no scheme)
 * makes a probe fail at run time: a "disproved" verdict caused by a typo.
 * @module
 */
import type { ExperimentInput } from './schema.js'
import type { SemanticIssue } from './semantics.js'

type Path = (string | number)[]

const kPlaceholder = /\{\{\s*[\w.[\]-]+\s*\}\}/g

/** What a URL is once its templates are filled: ports and addresses both take `1`. */
function sample(text: string): string {
  return text.replace(kPlaceholder, '1')
}

export function urlProblem(text: string): string | undefined {
  if (!text.includes('://')) {
    return `'${text}' has no scheme: write http://${text.replace(/^\/+/, '')}`
  }
  let url: URL
  try {
    url = new URL(sample(text))
  } catch {
    return `'${text}' is not a URL; write it in full, e.g. http://127.0.0.1:8080/path`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `'${text}' must start with http:// or https://`
  }
  return undefined
}

export function urlIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const walk = (value: unknown, path: Path) => {
    if (typeof value === 'string') {
      const key = path.at(-1)
      const isUrl =
        key === 'url' || key === 'endpoint' || (key === 'http' && path.at(-2) === 'readiness')
      const problem = isUrl ? urlProblem(value) : undefined
      if (problem !== undefined) {
        issues.push({ path, message: problem })
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]))
    } else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>
      if (record['type'] === 'tcp' && typeof record['port'] === 'string' && 'mode' in record) {
        const port = Number(sample(record['port']).trim())
        if (!Number.isInteger(port)) {
          issues.push({
            path: [...path, 'port'],
            message: `'${record['port']}' is not a port: use a number or a template such as {{services.api.ports.http}}`,
          })
        }
      }
      for (const [key, v] of Object.entries(record)) {
        walk(v, [...path, key])
      }
    }
  }
  walk(input.spec, ['spec'])
  return issues
}
