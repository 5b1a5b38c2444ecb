/**
 * A notification receiver on 127.0.0.1: records every POST (path, headers, JSON body) and
 * answers what the test says (204 by default; `answer` changes it). Can listen on a port
 * chosen beforehand, so a test can have a target that is down, then up on the same port.
 * @module
 */
import http from 'node:http'

export interface Received {
  path: string
  headers: http.IncomingHttpHeaders
  body: unknown
}

export interface Receiver {
  readonly port: number
  readonly url: string
  readonly received: Received[]
  /** What the next requests are answered. */
  answer(status: number, body?: string, headers?: Record<string, string>): void
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>
  close(): Promise<void>
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = []
  let reply = { status: 204, body: '', headers: {} as Record<string, string> }
  const waiters: (() => void)[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      received.push({ path: request.url ?? '', headers: request.headers, body })
      response.writeHead(reply.status, reply.headers)
      response.end(reply.body)
      for (const wake of waiters.splice(0)) {
        wake()
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const bound = typeof address === 'object' && address !== null ? address.port : port
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    received,
    answer(status, body = '', headers = {}) {
      reply = { status, body, headers }
    },
    waitFor(count, timeoutMs = 30_000) {
      // Woken by each request as it is recorded; the timer only bounds the wait.
      return new Promise<Received[]>((resolve, reject) => {
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer)
            resolve(received.slice(0, count))
            return true
          }
          return false
        }
        const timer = setTimeout(() => {
          const at = waiters.indexOf(wake)
          if (at >= 0) {
            waiters.splice(at, 1)
          }
          reject(
            new Error(`receiver: ${received.length} of ${count} requests after ${timeoutMs} ms`)
          )
        }, timeoutMs)
        const wake = () => {
          if (!check()) {
            waiters.push(wake)
          }
        }
        if (!check()) {
          waiters.push(wake)
        }
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
