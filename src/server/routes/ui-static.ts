/**
 * The web UI: static files from `<package root>/dist/ui` (Vite's output), with the SPA
 * fallback (any other GET outside /api and /metrics answers index.html, so deep links like
 * /runs/abc work on reload). Public, like any login page: the UI holds no data, the API does.
 * When the UI was not built, `/` says so instead of a bare 404.
 * @module
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { defineRoute, HttpError, type RouteDef } from '../http/route.js'
import { packageRoot } from '../package-root.js'

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ordeal Chaos Center</title></head>
<body><h1>ordeal Chaos Center</h1>
<p>The web UI is not built. Run <code>npm run build</code> in the ordeal package, then reload.
The API is available under <a href="/api/openapi.json">/api</a>.</p></body></html>
`

/** Vite's output; `@fastify/static` (registered with `serve: false` in app.ts) serves from it. */
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

/**
 * Files go through `reply.sendFile` (types, ranges, ETags, and no escape from the root whatever
 * `..` a path carries; a missing file falls through to the app's JSON 404). A path without an
 * extension is a client-side route: index.html.
 */
async function serveUi(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const urlPath = request.url.split('?')[0] ?? '/'
  if (reserved(urlPath)) {
    throw new HttpError(404, 'not_found', `no route ${request.method} ${urlPath}`)
  }
  if (!(await isFile(path.join(uiRoot(), 'index.html')))) {
    await reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .send(NOT_BUILT)
    return
  }
  if (path.extname(urlPath) === '') {
    // index.html must always be re-read: it names the current hashed assets.
    await reply.header('Cache-Control', 'no-cache').sendFile('index.html', { cacheControl: false })
    return
  }
  // Vite's assets carry a content hash in their names: cache them for good.
  const hashed = urlPath.startsWith('/assets/')
  await reply.sendFile(urlPath, hashed ? { maxAge: '1y', immutable: true } : { maxAge: 0 })
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
