/**
 * The generator's HTTP/1.1 client: keep-alive connections on `net`/`tls` sockets, one request
 * at a time per connection, pre-encoded request bytes (request-bytes.ts) and a small response
 * parser (response-parser.ts), as wrk and autocannon do. Chosen by measurement over node:http
 * and undici (BENCHMARKS.md, "Load generator"): per request it allocates a few small objects
 * where node:http builds an IncomingMessage stream, a header object and several closures.
 *
 * Two clocks, as before: response time counts from the caller's intended send, service time
 * from `sentAt`, when the bytes went out on a connected socket (k6's `http_req_duration`
 * excludes waiting for and opening a connection). A request waits in a FIFO queue when every
 * connection of its origin is busy (a fixed connection pool, wrk2's model).
 * @module
 */
import net from 'node:net'
import tls from 'node:tls'
import { now } from '../clock.js'
import type { EncodedRequest, Origin } from './request-bytes.js'
import { ResponseParser } from './response-parser.js'
import type { ParsedResponse } from './response-parser.js'

export interface Http1Result {
  /** An answer (any status), a timeout, or a connection-level failure. */
  kind: 'response' | 'timeout' | 'error'
  /** The request certainly did not reach the server (refused before sending, or never sent). */
  definite: boolean
  status?: number
  /** `ECONNREFUSED`, `ECONNRESET`, `timeout after 300ms`, ... */
  error?: string
  /** Only when the client keeps bodies (`capture`). */
  body?: Buffer
  /** Epoch ms when the request went out on a connected socket; undefined if it never did. */
  sentAt?: number
  endAt: number
}

export interface Http1ClientOptions {
  /** Connections per origin. */
  connections: number
  timeoutMs: number
  keepBodies: boolean
}

interface Pending {
  bytes: Buffer
  done: (result: Http1Result) => void
  sentAt: number | undefined
  /** Only for a request that had to wait for a connection: its own deadline timer. */
  timer: NodeJS.Timeout | undefined
  /** The connection it went out on, once it did. */
  connection: Connection | undefined
}

class Pool {
  readonly idle: Connection[] = []
  readonly queue: Pending[] = []
  /** Open or opening connections. */
  size = 0
  constructor(readonly origin: Origin) {}
}

export class Http1Client {
  readonly #options: Http1ClientOptions
  readonly #pools = new Map<string, Pool>()
  readonly #connections = new Set<Connection>()
  #closed = false

  constructor(options: Http1ClientOptions) {
    this.#options = options
  }

  send(request: EncodedRequest, done: (result: Http1Result) => void): void {
    let pool = this.#pools.get(request.origin.key)
    if (!pool) {
      pool = new Pool(request.origin)
      this.#pools.set(request.origin.key, pool)
    }
    const pending: Pending = {
      bytes: request.bytes,
      done,
      sentAt: undefined,
      timer: undefined,
      connection: undefined,
    }
    let idle = pool.idle.pop()
    // A connection the server is about to close as idle would fail the request (ECONNRESET,
    // an `info` op for nothing): retire it and use another.
    while (idle && idle.expired()) {
      idle.retire()
      idle = pool.idle.pop()
    }
    if (idle) {
      idle.dispatch(pending)
    } else if (pool.size < this.#options.connections && !this.#closed) {
      this.#open(pool).dispatch(pending)
    } else {
      pending.timer = setTimeout(() => this.#queuedTimeout(pool, pending), this.#options.timeoutMs)
      pool.queue.push(pending)
    }
  }

  /** Closes every connection; requests still in flight end as connection errors. */
  close(): void {
    this.#closed = true
    for (const connection of [...this.#connections]) {
      connection.destroy()
    }
  }

  #open(pool: Pool): Connection {
    pool.size++
    const connection = new Connection(pool, this.#options, (c, reusable) =>
      this.#release(c, reusable)
    )
    this.#connections.add(connection)
    return connection
  }

  /** A connection finished a request: give it the next waiting one, park it, or forget it. */
  #release(connection: Connection, reusable: boolean): void {
    const pool = connection.pool
    if (!reusable) {
      this.#connections.delete(connection)
      pool.size--
    }
    const next = pool.queue.shift()
    if (next === undefined) {
      if (reusable) {
        pool.idle.push(connection)
      }
      return
    }
    if (reusable) {
      connection.dispatch(next)
    } else if (this.#closed) {
      next.done({ kind: 'error', definite: true, error: 'client closed', endAt: now() })
    } else {
      this.#open(pool).dispatch(next)
    }
  }

  /** The deadline of a request that waited for a connection (counted from send()). */
  #queuedTimeout(pool: Pool, pending: Pending): void {
    pending.timer = undefined
    if (pending.connection) {
      pending.connection.timeOut(pending)
      return
    }
    const at = pool.queue.indexOf(pending)
    if (at !== -1) {
      pool.queue.splice(at, 1)
      const { timeoutMs } = this.#options
      pending.done({
        kind: 'timeout',
        definite: true,
        error: `timeout after ${timeoutMs}ms (never sent)`,
        endAt: now(),
      })
    }
  }
}

/** One keep-alive socket: one request at a time (no pipelining). */
class Connection {
  readonly pool: Pool
  readonly #socket: net.Socket
  readonly #parser: ResponseParser
  readonly #timeoutMs: number
  readonly #release: (connection: Connection, reusable: boolean) => void
  #connected = false
  #dead = false
  #current: Pending | undefined
  /** One timer per connection, re-armed per request with refresh() instead of a new one. */
  #timer: NodeJS.Timeout | undefined
  /** Epoch ms after which the server may close this connection as idle (its Keep-Alive hint). */
  #idleUntil = Number.POSITIVE_INFINITY

  constructor(
    pool: Pool,
    options: Http1ClientOptions,
    release: (connection: Connection, reusable: boolean) => void
  ) {
    this.pool = pool
    this.#timeoutMs = options.timeoutMs
    this.#release = release
    this.#parser = new ResponseParser(this.#onResponse)
    this.#parser.keepBodies = options.keepBodies
    const { host, port, secure } = pool.origin
    this.#socket = secure
      ? tls.connect({
          host,
          port,
          servername: net.isIP(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host, port })
    this.#socket.setNoDelay(true)
    this.#socket.once(secure ? 'secureConnect' : 'connect', this.#onConnect)
    this.#socket.on('data', this.#onData)
    this.#socket.on('error', this.#onError)
    this.#socket.on('close', this.#onClose)
  }

  dispatch(pending: Pending): void {
    this.#current = pending
    pending.connection = this
    if (pending.timer === undefined) {
      if (this.#timer === undefined) {
        this.#timer = setTimeout(this.#onTimer, this.#timeoutMs)
      } else {
        this.#timer.refresh()
      }
    }
    if (this.#connected) {
      pending.sentAt = now()
    }
    // Before the connection is up, net.Socket holds the bytes and writes them on connect.
    this.#socket.write(pending.bytes)
  }

  /** The server's idle timeout (less a second of margin, as node:http) has nearly passed. */
  expired(): boolean {
    return now() >= this.#idleUntil
  }

  /** Closes an idle connection (already out of the idle list). */
  retire(): void {
    this.#socket.destroy()
  }

  destroy(): void {
    this.#fail('ECONNRESET', false)
    this.#socket.destroy()
  }

  #onConnect = (): void => {
    this.#connected = true
    if (this.#current && this.#current.sentAt === undefined) {
      this.#current.sentAt = now()
    }
  }

  #onData = (chunk: Buffer): void => {
    if (this.#current === undefined) {
      // Bytes nobody asked for: the connection's framing cannot be trusted any more.
      this.#die()
      return
    }
    try {
      this.#parser.push(chunk)
    } catch (error) {
      this.#fail((error as Error & { code?: string }).code ?? 'HPE_INVALID_RESPONSE', false)
      this.#die()
    }
  }

  #onResponse = (response: ParsedResponse): void => {
    const pending = this.#current
    if (pending === undefined) {
      this.#die()
      return
    }
    this.#current = undefined
    if (pending.timer !== undefined) {
      clearTimeout(pending.timer)
    }
    if (response.idleTimeoutMs !== undefined) {
      this.#idleUntil = now() + Math.max(0, response.idleTimeoutMs - 1000)
    }
    const reusable = response.keepAlive && !this.#dead
    if (!reusable) {
      this.#dead = true
      this.#socket.end()
    }
    this.#release(this, reusable)
    pending.done({
      kind: 'response',
      definite: false,
      status: response.status,
      ...(response.body !== undefined ? { body: response.body } : {}),
      sentAt: pending.sentAt,
      endAt: now(),
    })
  }

  #onTimer = (): void => {
    const pending = this.#current
    // The timer is re-armed at each dispatch, so it fires at the current request's deadline
    // (a request that waited in the queue has its own timer instead).
    if (pending !== undefined && pending.timer === undefined) {
      this.timeOut(pending)
    }
  }

  /** `pending`, the current request, reached its deadline. */
  timeOut(pending: Pending): void {
    if (this.#current !== pending) {
      return
    }
    this.#current = undefined
    const sent = pending.sentAt !== undefined
    this.#die()
    pending.done({
      kind: 'timeout',
      definite: !sent,
      error: `timeout after ${this.#timeoutMs}ms${sent ? '' : ' (never sent)'}`,
      sentAt: pending.sentAt,
      endAt: now(),
    })
  }

  #onError = (error: NodeJS.ErrnoException): void => {
    const code = error.code ?? error.message
    // Before the connection was up (TCP connect, and the TLS handshake for https) the request's
    // bytes were only buffered here: refused, unreachable or an untrusted certificate, it did
    // not happen.
    this.#fail(code, !this.#connected)
    this.#die()
  }

  #onClose = (): void => {
    if (this.#current !== undefined) {
      // A body delimited by the close is complete now (and delivered by the parser).
      this.#parser.end()
    }
    // Otherwise an answer cut off, or none at all: the server may or may not have acted.
    this.#fail('ECONNRESET', false)
    this.#die()
  }

  /** Ends the current request (if any) as a connection error. */
  #fail(error: string, definite: boolean): void {
    const pending = this.#current
    if (pending === undefined) {
      return
    }
    this.#current = undefined
    if (pending.timer !== undefined) {
      clearTimeout(pending.timer)
    }
    pending.done({
      kind: 'error',
      definite: definite && pending.sentAt === undefined,
      error,
      sentAt: pending.sentAt,
      endAt: now(),
    })
  }

  /** Closes the socket and takes the connection out of its pool, once. */
  #die(): void {
    clearTimeout(this.#timer)
    this.#socket.destroy()
    if (this.#dead) {
      return
    }
    this.#dead = true
    const idleAt = this.pool.idle.indexOf(this)
    if (idleAt !== -1) {
      this.pool.idle.splice(idleAt, 1)
    }
    this.#release(this, false)
  }
}
