/**
 * One HTTP request of the load, on node:http with a keep-alive Agent. node:http rather than
 * fetch: fetch (undici behind a WHATWG layer) costs several times more CPU per request here,
 * and a generator short of CPU falls behind its schedule, which is coordinated omission again.
 *
 * Two clocks: the caller's intended send time (response time counts from it) and the actual
 * send, when the request got a connected socket (service time counts from it, as k6's
 * `http_req_duration`, which excludes waiting for and opening a connection).
 * @module
 */
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { OpOutcome } from './contract.js'
import type { StatusPredicate } from './expected-status.js'
import { now } from './clock.js'

export interface RequestTarget {
  url: string
  method: string
  headers: Record<string, string>
  body?: string
}

export interface RequestResult {
  outcome: OpOutcome
  /** The request certainly did not reach the server (refused before sending, or never sent). */
  definite: boolean
  status?: number
  error?: string
  /** Epoch ms when the request went out on a connected socket; undefined if it never did. */
  sentAt?: number
  endAt: number
  /** The response text, only when asked for and the status was expected. */
  body?: string
}

export interface HttpClientOptions {
  connections: number
  timeoutMs: number
  expected: StatusPredicate
  /** Read successful bodies (for `capture`); otherwise bodies are drained unread. */
  readBody: boolean
}

/** Bodies are read up to this size for `capture`: ids live near the top of a JSON answer. */
export const MAX_CAPTURE_BYTES = 1024 * 1024

// Errors raised while connecting: the request bytes were never written, so it did not happen.
const kConnectErrors = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
])

interface Endpoint {
  module: typeof http | typeof https
  agent: http.Agent
  options: http.RequestOptions
}

export class HttpClient {
  readonly #options: HttpClientOptions
  readonly #agents = new Map<string, http.Agent>()
  #lastUrl = ''
  #lastEndpoint: Endpoint | undefined

  constructor(options: HttpClientOptions) {
    this.#options = options
  }

  send(target: RequestTarget, done: (result: RequestResult) => void): void {
    const { timeoutMs, expected, readBody } = this.#options
    let endpoint: Endpoint
    try {
      endpoint = this.#endpoint(target.url)
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      setImmediate(() => done({ outcome: 'connection-error', definite: true, error, endAt: now() }))
      return
    }
    let sentAt: number | undefined
    let finished = false
    const timer = setTimeout(() => {
      finish({
        outcome: 'timeout',
        definite: sentAt === undefined,
        error: `timeout after ${timeoutMs}ms${sentAt === undefined ? ' (never sent)' : ''}`,
      })
      req.destroy()
    }, timeoutMs)
    const finish = (result: Omit<RequestResult, 'endAt' | 'sentAt'>) => {
      if (finished) {
        return
      }
      finished = true
      clearTimeout(timer)
      done({ ...result, sentAt, endAt: now() })
    }
    const headers = { ...target.headers }
    if (target.body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(target.body))
    }
    let req: http.ClientRequest
    try {
      req = endpoint.module.request({ ...endpoint.options, method: target.method, headers })
    } catch (err) {
      // e.g. a header value with a newline: nothing was sent.
      const error = err instanceof Error ? err.message : String(err)
      setImmediate(() => finish({ outcome: 'connection-error', definite: true, error }))
      return
    }
    req.once('socket', (socket: Socket) => {
      if (socket.connecting) {
        socket.once('connect', () => (sentAt = now()))
      } else {
        sentAt = now()
      }
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message
      finish({
        outcome: 'connection-error',
        definite: sentAt === undefined && kConnectErrors.has(err.code ?? ''),
        error: code,
      })
    })
    req.on('response', (res) => {
      const status = res.statusCode ?? 0
      const ok = expected(status)
      const outcome = ok ? 'ok' : 'http-error'
      const error = ok ? undefined : `status ${status}`
      res.on('error', () => undefined) // reported through 'aborted'/'close' below
      if (readBody && ok) {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_CAPTURE_BYTES) {
            chunks.push(chunk)
            size += chunk.length
          }
        })
        res.on('end', () =>
          finish({ outcome, definite: false, status, body: Buffer.concat(chunks).toString('utf8') })
        )
      } else {
        res.resume()
        res.on('end', () => finish({ outcome, definite: !ok, status, ...(error ? { error } : {}) }))
      }
      res.on('close', () => {
        if (!res.complete) {
          // The answer started but was cut off: the server may or may not have acted.
          finish({ outcome: 'connection-error', definite: false, status, error: 'ECONNRESET' })
        }
      })
    })
    req.end(target.body)
  }

  /** Closes every kept-alive connection. */
  close(): void {
    for (const agent of this.#agents.values()) {
      agent.destroy()
    }
    this.#agents.clear()
  }

  #endpoint(url: string): Endpoint {
    if (url === this.#lastUrl && this.#lastEndpoint) {
      return this.#lastEndpoint
    }
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`unsupported protocol ${parsed.protocol} in ${url}`)
    }
    const module = parsed.protocol === 'https:' ? https : http
    let agent = this.#agents.get(parsed.protocol)
    if (!agent) {
      const { connections } = this.#options
      // maxFreeSockets defaults to 256: past that, idle connections would be closed and
      // reopened under load. LIFO reuses the warmest connection.
      const agentOptions = {
        keepAlive: true,
        maxSockets: connections,
        maxFreeSockets: connections,
        scheduling: 'lifo' as const,
      }
      agent =
        parsed.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
      this.#agents.set(parsed.protocol, agent)
    }
    const endpoint: Endpoint = {
      module,
      agent,
      options: {
        agent,
        protocol: parsed.protocol,
        hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port === '' ? undefined : Number(parsed.port),
        path: `${parsed.pathname}${parsed.search}`,
        ...(parsed.username
          ? {
              auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
            }
          : {}),
      },
    }
    this.#lastUrl = url
    this.#lastEndpoint = endpoint
    return endpoint
  }
}
