/**
 * The order service's HTTP API, shared by v1 and v2 (they differ only in `createOrder`):
 *   POST /orders                   body `{"id": "..."}` (optional) → 201 `{"id"}`
 *   GET  /health                   → 200 `{"status":"ok"}`
 *   GET  /orders/undelivered-count → `{"count"}` (for an end-of-test probe)
 *   GET  /stats                    → orders, undelivered, deliveries, outboxPending
 * @module
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { DuplicateOrderError, type OrderStore } from '../db/store.js'
import { errorMessage, type Log } from '../log.js'

export interface OrderApi {
  store: OrderStore
  /** Stores (and, one way or another, publishes) the order; resolves when it is acknowledged. */
  createOrder(id: string): Promise<void>
  log: Log
}

const kMaxBody = 64 * 1024

export async function startOrderApi(port: number, api: OrderApi): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    handle(api, req, res).catch((error: unknown) => {
      api.log(`${req.method} ${req.url} failed: ${errorMessage(error)}`)
      send(res, 500, { error: errorMessage(error) })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const address = server.address()
  api.log(`listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : port}`)
  return server
}

async function handle(api: OrderApi, req: http.IncomingMessage, res: http.ServerResponse) {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost')
  if (req.method === 'POST' && pathname === '/orders') {
    const body = await readJson(req).catch(() => undefined)
    if (body === undefined) {
      return send(res, 400, { error: 'the body must be JSON, like {"id":"..."}' })
    }
    const id = typeof body['id'] === 'string' && body['id'].length > 0 ? body['id'] : randomUUID()
    try {
      await api.createOrder(id)
    } catch (error) {
      if (error instanceof DuplicateOrderError) {
        return send(res, 409, { error: error.message })
      }
      throw error
    }
    return send(res, 201, { id })
  }
  if (req.method === 'GET' && pathname === '/health') {
    return send(res, 200, { status: 'ok' })
  }
  if (req.method === 'GET' && pathname === '/orders/undelivered-count') {
    return send(res, 200, { count: await api.store.undeliveredCount() })
  }
  if (req.method === 'GET' && pathname === '/stats') {
    return send(res, 200, await api.store.stats())
  }
  return send(res, 404, { error: `no route for ${req.method} ${pathname}` })
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) {
    text += String(chunk)
    if (text.length > kMaxBody) {
      throw new Error('request body too large')
    }
  }
  if (text.trim() === '') {
    return {}
  }
  const value: unknown = JSON.parse(text)
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {}
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end()
    return
  }
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
