/**
 * Many lightweight agent connections in one process, for bench/agent-fleet.ts: each speaks the
 * agent protocol (src/platforms/agent/protocol.ts) over its own WebSocket with `ws`, exactly as
 * `ordeal agent` does on the wire (hello, pong to every ping, `rejected` to every run), and
 * reconnects forever with the design's full-jitter backoff. It executes nothing: the bench
 * measures the server holding the connections, not the runs.
 *
 * Run as a child (`fork`) with argv `<serverUrl> <tokensJsonFile>`; it reports over IPC
 * `{ connected: number }` whenever the count of ready connections changes (at most every 50 ms).
 * @module
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import WebSocket from 'ws'
import {
  AGENT_PATH,
  AGENT_PROTOCOL,
  parseFrame,
  toAgentSchema,
  type FromAgent,
} from '../../src/platforms/agent/protocol.js'

export interface LightAgentToken {
  name: string
  secret: string
}

/** Full jitter: random × min(15 s, 500 ms × 2ⁿ) (design §2 backoff). */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(15_000, 500 * 2 ** attempt)
}

class LightAgent {
  #attempt = 0
  #ready = false
  readonly #instance = Math.random().toString(36).slice(2)

  constructor(
    readonly url: string,
    readonly token: LightAgentToken,
    readonly onReady: (ready: boolean) => void
  ) {}

  connect(): void {
    const socket = new WebSocket(this.url, {
      headers: {
        authorization: `Bearer ${this.token.secret}`,
        'user-agent': 'ordeal-bench-light-agent',
      },
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    })
    const send = (frame: FromAgent) => socket.send(JSON.stringify(frame))
    socket.on('open', () =>
      send({
        type: 'hello',
        proto: AGENT_PROTOCOL,
        instance: this.#instance,
        name: this.token.name,
        version: 'bench',
        labels: { bench: 'light' },
        hostname: os.hostname(),
        addresses: [],
        maxRuns: 1,
        runs: [],
      })
    )
    socket.on('message', (data) => {
      const frame = parseFrame(toAgentSchema, String(data))
      if (!frame) {
        return
      }
      switch (frame.type) {
        case 'welcome':
          this.#attempt = 0
          this.#setReady(true)
          return
        case 'ping':
          send({ type: 'pong', id: frame.id, t1: Date.now(), t2: Date.now() })
          return
        case 'run':
          send({ type: 'rejected', runId: frame.runId, reason: 'a bench light agent runs nothing' })
          return
        default:
          return
      }
    })
    socket.on('error', () => undefined) // 'close' follows and reconnects
    socket.on('unexpected-response', () => socket.terminate())
    socket.on('close', () => {
      this.#setReady(false)
      const wait = backoffMs(this.#attempt)
      this.#attempt = Math.min(this.#attempt + 1, 10)
      setTimeout(() => this.connect(), wait)
    })
  }

  #setReady(ready: boolean): void {
    if (this.#ready !== ready) {
      this.#ready = ready
      this.onReady(ready)
    }
  }
}

function main(): void {
  const [serverUrl, tokensFile] = process.argv.slice(2)
  if (serverUrl === undefined || tokensFile === undefined) {
    throw new Error('usage: light-agents.ts <serverUrl> <tokensJsonFile>')
  }
  const tokens = JSON.parse(readFileSync(tokensFile, 'utf8')) as LightAgentToken[]
  const wsUrl = `${serverUrl.replace(/^http/, 'ws').replace(/\/$/, '')}${AGENT_PATH}`
  let connected = 0
  let timer: NodeJS.Timeout | undefined
  const report = () => {
    timer ??= setTimeout(() => {
      timer = undefined
      process.send?.({ connected })
    }, 50)
  }
  for (const token of tokens) {
    new LightAgent(wsUrl, token, (ready) => {
      connected += ready ? 1 : -1
      report()
    }).connect()
  }
  process.on('disconnect', () => process.exit(0))
}

main()
