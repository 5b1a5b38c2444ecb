/**
 * A real HTTP server for the load tests, in a child process so it never shares the
 * generator's event loop (or its CPU time slice) with the code under test.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { LoadSpec } from '../../../src/load/contract.js'
import { freePort } from '../../support/free-port.js'
import { spawnServer, waitUntil } from '../../support/server-process.js'
import type { ServerProcess } from '../../support/server-process.js'

/**
 * Routes: /ok, /status/N, /slow?ms=N, /hang (never answers), /reset (closes the connection
 * after reading the request), /orders (records the JSON body and answers {id: order-<seq>}),
 * /mixed/<seq> (by seq % 5: ok, 500, hang, reset, ok). /_admin/stats counts everything else.
 */
const kServer = `
import http from 'node:http'
const port = Number(process.argv[2])
let count = 0
const orders = []
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1')
  const p = url.pathname
  if (p === '/_admin/stats') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ count, orders }))
    return
  }
  count++
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString()
    if (p === '/ok') return res.end('ok')
    if (p.startsWith('/status/')) {
      res.statusCode = Number(p.slice(8))
      return res.end('status')
    }
    if (p === '/slow') return setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 500))
    if (p === '/hang') return
    if (p === '/reset') return req.socket.destroy()
    if (p === '/orders') {
      const order = JSON.parse(body)
      orders.push({ ...order, header: req.headers['x-seq'] })
      res.setHeader('content-type', 'application/json')
      return res.end(JSON.stringify({ id: 'order-' + order.seq, ref: order.ref }))
    }
    if (p.startsWith('/mixed/')) {
      switch (Number(p.slice(7)) % 5) {
        case 1:
          res.statusCode = 500
          return res.end('no')
        case 2:
          return
        case 3:
          return req.socket.destroy()
        default:
          return res.end('ok')
      }
    }
    res.statusCode = 404
    res.end('not found')
  })
})
// Idle keep-alive connections must outlive any pause in a test, or the client may reuse one
// the server is closing (an ECONNRESET the test did not ask for).
server.keepAliveTimeout = 120000
server.headersTimeout = 121000
server.listen(port, '127.0.0.1', () => console.log('listening on ' + port))
process.on('SIGTERM', () => process.exit(0))
`

export interface TestServer {
  base: string
  port: number
  pid: number
  process: ServerProcess
  stats(): Promise<{
    count: number
    orders: { ref: string; seq: number; at: string; header?: string }[]
  }>
  stop(): Promise<void>
}

export async function startTestServer(): Promise<TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-load-'))
  const script = path.join(dir, 'server.mjs')
  await writeFile(script, kServer)
  const port = await freePort()
  const server = spawnServer(process.execPath, [script, String(port)], {
    logFile: path.join(dir, 'server.log'),
    tempDir: dir,
  })
  const base = `http://127.0.0.1:${port}`
  const stats = async () => {
    const response = await fetch(`${base}/_admin/stats`, { signal: AbortSignal.timeout(5000) })
    return (await response.json()) as Awaited<ReturnType<TestServer['stats']>>
  }
  await waitUntil('load test server', server, async () => (await stats()).count === 0, {
    timeoutMs: 15_000,
    intervalMs: 50,
  })
  return {
    base,
    port,
    pid: server.child.pid!,
    process: server,
    stats,
    async stop() {
      try {
        process.kill(server.child.pid!, 'SIGCONT') // in case a test left it stopped
      } catch {
        // already gone
      }
      await server.stop('SIGTERM', 5000)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A constant-rate GET spec with the defaults resolveLoad would give, on the main thread. */
export function spec(url: string, overrides: Partial<LoadSpec> = {}): LoadSpec {
  return {
    url,
    method: 'GET',
    headers: {},
    rate: 100,
    startRate: 0,
    durationMs: 1000,
    maxInFlight: 1000,
    timeoutMs: 10_000,
    expectedStatus: '200-399',
    thresholds: [],
    workers: 1,
    ...overrides,
  }
}
