/**
 * The agent's connection to its Chaos Center: one outbound WebSocket (design §2), reconnected
 * with jittered backoff forever, carrying hello/welcome, heartbeats, runs and their events.
 *
 * States: connecting → open (hello sent) → ready (welcome received) → closed → backoff →
 * connecting. What ends the process (an exit code): before the first ready connection, an HTTP
 * answer the operator must fix (401 token, 403 role, 404 not a Chaos Center) or a certificate
 * the agent does not trust; at any time, a close the server means (4001 revoked, 4002
 * replaced, 4003 protocol, 4004 wrong name) or a 401 / a 403 naming the token's role on a
 * reconnect, after every run has rolled back. Network errors never end it.
 * @module
 */
import os from 'node:os'
import tls from 'node:tls'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { getProxyForUrl } from 'proxy-from-env'
import { formatDuration } from '../../shared/duration.js'
import { Backoff } from './backoff.js'
import { connectUrl } from './connect-url.js'
import type { Executor } from './executor.js'
import { DeadManSwitch } from './lease.js'
import { closeLine, fatalAtAnyTime, httpLine, isTlsFailure, tlsLine } from './exit-lines.js'
import { AGENT_PROTOCOL, CLOSE, parseFrame, toAgentSchema, type FromAgent } from './protocol.js'

/** Frames may carry a run's files (bundle), capped at 16 MiB raw before base64. */
const kMaxPayload = 32 * 1024 * 1024
const kHandshakeMs = 10_000
const kTickMs = 250
/** Connection failures are logged at most this often. */
const kLogEveryMs = 30_000
/** A shutdown waits this long for the server to ack what the runs wrote. */
const kFlushMs = 10_000

export interface AgentClientOptions {
  /** `--server` as the operator wrote it (for messages) and parsed. */
  serverText: string
  server: URL
  token: string
  name?: string
  labels: Record<string, string>
  maxRuns: number
  version: string
  /** PEM of `--ca-file`, added to Node's root certificates. */
  ca?: string
  executor: Executor
  /** Features beyond `parts` this agent announces in its hello (`workload-watch`). */
  features?: readonly string[]
  /** Each welcome, with the features the server listed (workload changes waiting go out). */
  onWelcome?: (serverFeatures: readonly string[]) => void
  log(line: string): void
  /** stdout: once per ready connection. */
  out(line: string): void
  /** One-line fatal messages (stderr, no timestamp). */
  fail(line: string): void
}

type SessionEnd =
  | { kind: 'http'; status: number; body: string }
  | { kind: 'closed'; code: number; reason: string; error?: NodeJS.ErrnoException; ready: boolean }

export class AgentClient {
  readonly instance = randomBytes(8).toString('hex')
  #ws: WebSocket | undefined
  #ready = false
  #everReady = false
  #name: string | undefined
  #stopping: Promise<number> | undefined
  #wake: (() => void) | undefined
  readonly #backoff = new Backoff()
  readonly #deadMan: DeadManSwitch
  #lastLogAt = -Infinity
  #centerAddress: string | undefined
  #failures = 0
  #serverFeatures: readonly string[] = []

  constructor(private readonly o: AgentClientOptions) {
    this.#name = o.name
    // Monotonic: a stepped wall clock (NTP, or a clock-skew fault ordeal injects on this very
    // host) must neither fire the lease early nor delay a rollback (review #16).
    this.#deadMan = new DeadManSwitch(performance.now(), (runId, reason) =>
      o.executor.abort(runId, reason)
    )
    o.executor.onDrop((runId) => this.#deadMan.forget(runId))
  }

  /** The Chaos Center's address as the last socket reached it (a part's partition spares it). */
  /** The name the Chaos Center welcomed this agent by (its token's), once connected. */
  get agentName(): string | undefined {
    return this.#name ?? this.o.name
  }

  get centerAddress(): string | undefined {
    return this.#centerAddress
  }

  /** What the server of the ready connection takes beyond protocol 1; undefined when not connected. */
  get serverFeatures(): readonly string[] | undefined {
    return this.#ready ? this.#serverFeatures : undefined
  }

  /** Sends on the ready connection; false when there is none. */
  send(frame: FromAgent): boolean {
    const ws = this.#ws
    if (!this.#ready || !ws || ws.readyState !== WebSocket.OPEN) {
      return false
    }
    ws.send(JSON.stringify(frame))
    return true
  }

  /** Runs until a fatal close or a stop; resolves with the exit code. */
  async run(): Promise<number> {
    const tick = setInterval(() => {
      this.#deadMan.tick(performance.now(), this.o.executor.unfinished())
      this.o.executor.pump()
    }, kTickMs)
    try {
      for (;;) {
        if (this.#stopping) {
          return await this.#stopping
        }
        const end = await this.#session()
        if (this.#stopping) {
          return await this.#stopping
        }
        const fatal = await this.#fatal(end)
        if (fatal !== undefined) {
          return fatal
        }
        const goingAway = end.kind === 'closed' && end.code === CLOSE.goingAway
        const delay = this.#backoff.next(Date.now(), goingAway)
        this.#logFailure(end, delay)
        await new Promise<void>((resolve) => {
          this.#wake = resolve
          setTimeout(resolve, delay)
        })
        this.#wake = undefined
      }
    } finally {
      clearInterval(tick)
    }
  }

  /**
   * First SIGINT/SIGTERM: abort the runs, wait for their rollback, let the server ack what they
   * wrote (≤ 10 s), close 1000. Resolves with 0.
   */
  stop(signal: string): Promise<number> {
    this.#stopping ??= (async () => {
      this.o.log(`${signal}: aborting runs (faults rolled back), then closing`)
      await this.o.executor.abortAll(`${signal} received by the agent`)
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.o.executor.whenDrained(),
        new Promise((resolve) => (timer = setTimeout(resolve, kFlushMs))),
      ])
      clearTimeout(timer)
      if (!this.o.executor.drained) {
        this.o.log('some events were not acked before closing; they are sent on the next start')
      }
      this.#ws?.close(CLOSE.normal, 'agent stopping')
      this.#wake?.()
      return 0
    })()
    return this.#stopping
  }

  #dial(): WebSocket {
    const ca = this.o.ca !== undefined ? [...tls.rootCertificates, this.o.ca] : undefined
    const proxy = getProxyForUrl(this.o.server.href)
    return new WebSocket(connectUrl(this.o.server), {
      headers: {
        authorization: `Bearer ${this.o.token}`,
        'user-agent': `ordeal-agent/${this.o.version}`,
      },
      handshakeTimeout: kHandshakeMs,
      maxPayload: kMaxPayload,
      perMessageDeflate: false,
      ...(ca !== undefined ? { ca } : {}),
      ...(proxy !== ''
        ? {
            agent: new HttpsProxyAgent(proxy, ca !== undefined ? { ca } : {}),
            // Through the tunnel, https-proxy-agent drops `host` from tls.connect and an IP
            // gets no servername, so Node would check the certificate against 'localhost':
            // check it against the host the agent dials.
            checkServerIdentity: (_host: string, cert: tls.PeerCertificate) =>
              tls.checkServerIdentity(this.o.server.hostname.replace(/^\[|\]$/g, ''), cert),
          }
        : {}),
    })
  }

  #session(): Promise<SessionEnd> {
    return new Promise<SessionEnd>((resolve) => {
      const ws = this.#dial()
      this.#ws = ws
      let error: NodeJS.ErrnoException | undefined
      let bye: { code: number; reason: string } | undefined
      let heartbeatMs = 0
      let lastFrameAt = performance.now()
      let welcomeTimer: NodeJS.Timeout | undefined
      const alive = setInterval(() => {
        if (this.#ready && performance.now() - lastFrameAt > 2 * heartbeatMs) {
          this.o.log(
            `no frame from the Chaos Center for ${formatDuration(2 * heartbeatMs)}: reconnecting`
          )
          ws.terminate()
        }
      }, kTickMs)
      const raw = (frame: FromAgent) =>
        ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(frame))

      ws.on('unexpected-response', (request, response: IncomingMessage) => {
        readBody(response).then(
          (body) => {
            request.destroy()
            clearInterval(alive)
            resolve({ kind: 'http', status: response.statusCode ?? 0, body })
          },
          () => undefined
        )
      })
      // TCP keepalive under the heartbeats: a half-open socket also fails at the OS level.
      ws.on('upgrade', (response: IncomingMessage) => {
        response.socket.setKeepAlive(true, 10_000)
        this.#centerAddress = response.socket.remoteAddress
      })
      ws.on('open', () => {
        // The server needs hello within 10 s; the agent gives welcome the same.
        welcomeTimer = setTimeout(() => ws.terminate(), kHandshakeMs)
        raw({
          type: 'hello',
          proto: AGENT_PROTOCOL,
          instance: this.instance,
          ...(this.o.name !== undefined ? { name: this.o.name } : {}),
          version: this.o.version,
          labels: this.o.labels,
          hostname: os.hostname().slice(0, 253),
          addresses: addresses(),
          maxRuns: this.o.maxRuns,
          // This agent runs parts of multi-host runs (run.part, command, reply, mark).
          features: ['parts', ...(this.o.features ?? [])],
          runs: this.o.executor.reports(),
        })
      })
      ws.on('message', (data, isBinary) => {
        const now = Date.now()
        lastFrameAt = performance.now()
        this.#deadMan.heard(lastFrameAt)
        const frame = isBinary ? undefined : parseFrame(toAgentSchema, data.toString())
        if (!frame) {
          this.o.log('the Chaos Center sent a frame this agent does not understand: closing (4000)')
          ws.close(CLOSE.protocol, 'invalid frame')
          return
        }
        switch (frame.type) {
          case 'welcome':
            clearTimeout(welcomeTimer)
            heartbeatMs = frame.heartbeatMs
            this.#name = frame.name
            this.#serverFeatures = frame.features ?? []
            this.#ready = true
            this.#everReady = true
            this.#failures = 0
            this.#backoff.ready(now)
            this.o.out(
              `agent ${frame.name} connected to ${this.o.serverText} (heartbeat ${formatDuration(frame.heartbeatMs)})`
            )
            this.o.executor.connected(frame.resume)
            this.o.onWelcome?.(this.#serverFeatures)
            break
          case 'ping':
            raw({ type: 'pong', id: frame.id, t1: now, t2: Date.now() })
            break
          case 'run':
            if (this.#stopping) {
              raw({ type: 'rejected', runId: frame.runId, reason: 'the agent is stopping' })
            } else {
              this.o.executor.run(frame)
            }
            break
          case 'command':
            this.o.executor.command(frame)
            break
          case 'abort':
            this.o.executor.abort(frame.runId, frame.reason)
            break
          case 'ack':
            this.o.executor.ack(frame.runId, frame.seq)
            break
          case 'nack':
            this.o.executor.nack(frame)
            break
          case 'bye':
            bye = { code: frame.code, reason: frame.reason }
            break
        }
      })
      ws.on('error', (e: NodeJS.ErrnoException) => {
        error ??= e
      })
      ws.on('close', (code, reason) => {
        clearInterval(alive)
        clearTimeout(welcomeTimer)
        // Only this session's socket: a late close of an older one must not end a newer one.
        const current = this.#ws === ws
        const wasReady = current && this.#ready
        if (current) {
          this.#ready = false
          this.o.executor.disconnected()
        }
        resolve({
          kind: 'closed',
          code: bye?.code ?? code,
          reason: bye?.reason ?? reason.toString(),
          ...(error !== undefined ? { error } : {}),
          ready: wasReady,
        })
      })
    })
  }

  /** The exit code when this end of a session ends the agent; undefined to reconnect. */
  async #fatal(end: SessionEnd): Promise<number | undefined> {
    const url = this.o.serverText
    if (end.kind === 'http') {
      const fatal =
        fatalAtAnyTime(end.status, end.body) ||
        (!this.#everReady && (end.status === 403 || end.status === 404))
      if (!fatal) {
        return undefined
      }
      const line = httpLine(url, end.status, end.body)
      // Runs first: a token that no longer works here cannot report them, roll them back.
      await this.o.executor.abortAll(line)
      this.o.fail(line)
      return 2
    }
    const name = this.#name ?? this.o.name ?? 'this agent'
    const line = closeLine(end.code, end.reason, name, this.o.name)
    if (line !== undefined) {
      await this.o.executor.abortAll(line)
      this.o.fail(line)
      return 2
    }
    if (end.error && isTlsFailure(end.error) && !this.#everReady) {
      this.o.fail(tlsLine(this.o.server, end.error))
      return 2
    }
    return undefined
  }

  #logFailure(end: SessionEnd, delayMs: number): void {
    this.#failures += 1
    const now = Date.now()
    const closedAfterReady = end.kind === 'closed' && end.ready
    if (!closedAfterReady && now - this.#lastLogAt < kLogEveryMs) {
      return
    }
    this.#lastLogAt = now
    const why =
      end.kind === 'http'
        ? `HTTP ${end.status}`
        : end.error
          ? (end.error.code ?? end.error.message)
          : `closed ${end.code}${end.reason ? ` ${end.reason}` : ''}`
    const verb = closedAfterReady ? 'lost' : 'cannot reach'
    this.o.log(
      `agent: ${verb} ${this.o.serverText} (${why}), attempt ${this.#failures}; retrying in ${(delayMs / 1000).toFixed(1)} s`
    )
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      if (body.length < 4096) {
        body += chunk
      }
    })
    response.on('end', () => resolve(body))
    response.on('error', reject)
  })
}

/** This host's non-loopback addresses (the server shows them; phase 2 partitions by them). */
function addresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address)
    .slice(0, 64)
}
