/**
 * One agent's WebSocket as the fleet sees it: who it is (from the token and its hello), the
 * liveness and clock state the heartbeat keeps, and the runs it holds. Frames out go through
 * `send`, which drops them once the socket is closing (a run frame to a dead agent is requeued
 * by the close handler, not lost in a buffer). `bye` says why before closing, so the agent can
 * print one clear line instead of guessing from a close code.
 * @module
 */
import type { WebSocket } from 'ws'
import type { CloseCode, Hello, ToAgent } from '../../platforms/agent/protocol.js'
import { ClockFilter } from './clock.js'
import type { HeartbeatState } from './heartbeat.js'

/** What an `events` stream of one run needs on this connection. */
export interface RunStream {
  /** Every seq up to this one is stored and acked to the agent. */
  ackedSeq: number
  /** The append chain: acks leave in the order frames arrived. */
  tail: Promise<void>
  /** The run ended on the server by its lease: events go through the late-report path. */
  late: boolean
  /** The seq of `run.ended`, once it was seen (its ack finishes the run). */
  endedSeq?: number
  finishing?: boolean
  /** The run's lease: how long the server waits for a lost agent (plus LEASE_GRACE_MS). */
  leaseMs: number
}

export class AgentConnection implements HeartbeatState {
  /** Set by the hello; until then the connection only counts for the 10 s hello timeout. */
  hello: Hello | undefined
  readyAt: number | undefined
  lastFrameAt: number
  lastPingAt: number
  /** When the last pong came back: the "last heartbeat" of `GET /api/agents`. */
  lastPongAt: number | undefined
  /** When `last_heartbeat_at` was last written (at most once a minute). */
  heartbeatStoredAt = 0
  readonly clock = new ClockFilter()
  /** Ping ids in flight → t0 (a pong answers one; old ones are forgotten). */
  readonly pings = new Map<number, number>()
  nextPingId = 1
  /** Runs sent with `run`, waiting for `accepted`/`rejected`. */
  readonly pending = new Set<string>()
  /** Runs this agent executes (accepted, or resumed with `continue`), with their streams. */
  readonly runs = new Map<string, RunStream>()
  /** Runs finished through this connection: their `ended` is expected, not a stranger's. */
  readonly finished = new Set<string>()
  closed = false
  /**
   * This server's end of the socket (`127.0.0.1`): a multi-host run's parts get it as
   * `centerAddress`, so no partition rule cuts the agent from its Chaos Center.
   */
  localAddress: string | undefined

  constructor(
    readonly socket: WebSocket,
    readonly name: string,
    readonly tokenId: string,
    /** The token's hash, to look it up again (expiry, a revoke missed). */
    readonly tokenHash: string,
    readonly userId: string,
    /** The peer address, for the replacement line (`from 198.18.0.7`). */
    readonly address: string,
    now: number
  ) {
    this.lastFrameAt = now
    this.lastPingAt = now
  }

  get ready(): boolean {
    return this.readyAt !== undefined && !this.closed
  }

  get instance(): string | undefined {
    return this.hello?.instance
  }

  /** Runs holding one of its slots: executing, or sent and not yet answered. */
  slots(): string[] {
    return [...this.runs.keys(), ...this.pending]
  }

  send(frame: ToAgent): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) {
      return false
    }
    this.socket.send(JSON.stringify(frame))
    return true
  }

  /** `bye` then a close with the same code; the reason goes in both (close reasons ≤ 123 bytes). */
  bye(code: CloseCode, reason: string): void {
    this.send({ type: 'bye', code, reason })
    this.closed = true
    try {
      this.socket.close(code, truncate(reason, 123))
    } catch {
      this.socket.terminate()
    }
  }

  /** Dead (silent, half-open) or replaced by a stale socket of the same process: no goodbye. */
  terminate(): void {
    this.closed = true
    this.socket.terminate()
  }
}

/** Cuts a close reason to `bytes` of UTF-8 (ws throws on a longer one). */
function truncate(text: string, bytes: number): string {
  let out = text
  while (Buffer.byteLength(out) > bytes) {
    out = out.slice(0, -1)
  }
  return out
}
