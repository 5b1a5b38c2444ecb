/**
 * An L7 reverse proxy in front of one HTTP upstream that applies the active rules to each
 * request, like xk6-disruptor's agent: an injected status is answered here without forwarding
 * (the upstream never sees the request), a delay forwards late, a reset destroys the client's
 * socket. Requests no rule hits are forwarded unchanged.
 * @module
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ruleMatches, type HttpRule, type RequestHead } from './rule.js'

export interface HttpFaultProxyOptions {
  name: string
  /** `host:port`; read at each request so it may be set after the proxy is listening. */
  upstream: string
  host: string
  port: number
  /** Returns a number in [0, 1): decides which requests a partial rule hits. */
  random?: () => number
}

export class HttpFaultProxy {
  readonly name: string
  upstream: string
  readonly host: string
  port: number
  readonly #rules = new Map<number, HttpRule>()
  readonly #sockets = new Set<Socket>()
  readonly #random: () => number
  #server: http.Server | undefined
  #nextRule = 1

  constructor(options: HttpFaultProxyOptions) {
    this.name = options.name
    this.upstream = options.upstream
    this.host = options.host
    this.port = options.port
    this.#random = options.random ?? Math.random
  }

  get listening(): boolean {
    return this.#server !== undefined
  }

  /** Binds (again, on the same port after a `stop`). */
  async start(): Promise<void> {
    if (this.#server) {
      return
    }
    const server = http.createServer((req, res) => this.#handle(req, res))
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, this.host, () => resolve())
    })
    this.#server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** Closes the listener and every client connection (the `proxy-down` fault, teardown). */
  stop(): void {
    const server = this.#server
    this.#server = undefined
    server?.close()
    for (const socket of this.#sockets) {
      socket.destroy()
    }
    this.#sockets.clear()
  }

  addRule(rule: HttpRule): number {
    const id = this.#nextRule++
    this.#rules.set(id, rule)
    return id
  }

  removeRule(id: number): void {
    this.#rules.delete(id)
  }

  get ruleCount(): number {
    return this.#rules.size
  }

  #pick(head: RequestHead): HttpRule | undefined {
    for (const rule of this.#rules.values()) {
      // The roll happens only for matching requests, so `percent` is a share of those.
      if (ruleMatches(rule, head) && this.#random() * 100 < rule.percent) {
        return rule
      }
    }
    return undefined
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const head: RequestHead = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: req.headers,
    }
    const action = this.#pick(head)?.action
    if (action?.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (action?.kind === 'status') {
      req.resume() // the body is read and dropped: the upstream never sees this request
      const body = action.body ?? ''
      res.writeHead(action.status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-ordeal-fault': 'http-fault',
      })
      res.end(body)
      return
    }
    if (action?.kind === 'delay') {
      req.pause()
      const timer = setTimeout(() => this.#forward(req, res), action.ms)
      req.socket.once('close', () => clearTimeout(timer))
      return
    }
    this.#forward(req, res)
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const [host, port] = splitUpstream(this.upstream)
    const outgoing = http.request(
      { host, port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.pipe(res)
      }
    )
    outgoing.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' })
        res.end(`ordeal http proxy ${this.name}: upstream ${this.upstream}: ${error.message}\n`)
      } else {
        res.destroy()
      }
    })
    res.once('close', () => {
      if (!res.writableFinished) {
        outgoing.destroy()
      }
    })
    req.pipe(outgoing)
  }
}

function splitUpstream(upstream: string): [string, number] {
  const at = upstream.lastIndexOf(':')
  const host = upstream.slice(0, at).replace(/^\[|\]$/g, '') || '127.0.0.1'
  return [host, Number(upstream.slice(at + 1))]
}
