/**
 * Fixtures for the proxy fault tests: a counting HTTP upstream, the run's proxies started as
 * the runner starts them, a fault harness sharing their run id, and timed HTTP requests.
 */
import http from 'node:http'
import net from 'node:net'
import { once } from 'node:events'
import type { ProxySpec } from '../../../src/experiment/model.js'
import { RunProxies } from '../../../src/proxy/run-proxies.js'
import { FaultHarness } from '../../support/fault-context.js'

export interface HttpUpstream {
  port: number
  /** Requests that reached the upstream, as `METHOD path`. */
  seen: string[]
  close(): Promise<void>
}

/** Answers `200 ok <path>` to everything and records what reached it. */
export async function startHttpUpstream(): Promise<HttpUpstream> {
  const seen: string[] = []
  const server = http.createServer({ keepAlive: false }, (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    req.resume()
    res.end(`ok ${req.url}`)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface Fixture {
  upstream: HttpUpstream
  proxies: RunProxies
  harness: FaultHarness
  port(name: string): number
  close(): Promise<void>
}

/** An upstream, then `specs` (their upstream may say `{{upstream}}`), sharing the harness run id. */
export async function fixture(specs: Omit<ProxySpec, 'port'>[]): Promise<Fixture> {
  const upstream = await startHttpUpstream()
  const harness = await FaultHarness.create()
  const proxies = new RunProxies(
    harness.runId,
    specs.map((s) => ({ ...s, port: 0 }))
  )
  await proxies.start({ upstream: `127.0.0.1:${upstream.port}` })
  return {
    upstream,
    proxies,
    harness,
    port(name) {
      const vars = proxies.templateVars()[name] as { port: number }
      return vars.port
    },
    async close() {
      proxies.close()
      await harness.cleanup()
      await upstream.close()
    },
  }
}

export interface Answer {
  status?: number
  body?: string
  /** Set when the connection failed or was reset. */
  error?: string
  ms: number
}

/** One request on a fresh connection, timed; never throws. */
export function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string> } = {}
): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode, body, ms: performance.now() - started })
        )
        res.on('error', (error) =>
          resolve({ error: error.message, ms: performance.now() - started })
        )
      }
    )
    req.on('error', (error) =>
      resolve({
        error: (error as NodeJS.ErrnoException).code ?? error.message,
        ms: performance.now() - started,
      })
    )
    req.end()
  })
}

/** Whether a TCP connect to the port succeeds. */
export function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
