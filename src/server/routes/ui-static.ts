/**
 * The web UI: static files from `<package root>/dist/ui` (Vite's output), with the SPA
 * fallback (any other GET outside /api and /metrics answers index.html, so deep links like
 * /runs/abc work on reload). Public, like any login page: the UI holds no data, the API does.
 * When the UI was not built, `/` says so instead of a bare 404.
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { defineRoute, HttpError, type RouteDef } from '../http/route.js'
import { packageRoot } from '../package-root.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ordeal Chaos Center</title></head>
<body><h1>ordeal Chaos Center</h1>
<p>The web UI is not built. Run <code>npm run build</code> in the ordeal package, then reload.
The API is available under <a href="/api/openapi.json">/api</a>.</p></body></html>
`

export function uiRoot(): string {
  return path.join(packageRoot(), 'dist', 'ui')
}

/** Paths the UI never answers: unknown API routes must stay JSON 404s. */
function reserved(urlPath: string): boolean {
  return /^\/(api|metrics)(\/|$)/.test(urlPath)
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

async function serveUi(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const rawPath = request.url.split('?')[0] ?? '/'
  let urlPath: string
  try {
    urlPath = decodeURIComponent(rawPath)
  } catch {
    throw new HttpError(400, 'validation', 'url: invalid percent-encoding')
  }
  if (reserved(urlPath)) {
    throw new HttpError(404, 'not_found', `no route ${request.method} ${rawPath}`)
  }
  const root = uiRoot()
  const index = path.join(root, 'index.html')
  if (!(await isFile(index))) {
    await reply.code(200).type(TYPES['.html']!).header('Cache-Control', 'no-cache').send(NOT_BUILT)
    return
  }
  const candidate = path.resolve(root, `.${urlPath}`)
  // Never outside the UI directory, whatever `..` or encoded slashes the path carries.
  const inside = candidate.startsWith(root + path.sep)
  let file = index
  if (inside && (await isFile(candidate))) {
    file = candidate
  } else if (path.extname(urlPath) !== '') {
    // A missing asset is a 404, not index.html (a browser would try to run HTML as a script).
    throw new HttpError(404, 'not_found', `no file ${rawPath}`)
  }
  const hashed = file.startsWith(path.join(root, 'assets') + path.sep)
  await reply
    .code(200)
    .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
    // Vite's assets carry a content hash in their names; index.html must always be re-read.
    .header('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
    .send(await readFile(file))
}

export const uiStaticRoutes: RouteDef[] = ['/', '/*'].map((url) =>
  defineRoute({
    method: 'GET',
    url,
    access: 'public',
    summary: 'The web UI (static files, SPA fallback to index.html)',
    tag: 'ui',
    raw: true,
    async handler({ request, reply }) {
      await serveUi(request, reply)
    },
  })
)
