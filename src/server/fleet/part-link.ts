/**
 * One part of a multi-host run as the coordinator holds it (coordinator/link.ts's PartLink),
 * over the fleet's connection to the agent that runs it: commands out as `command` frames,
 * `reply` frames back to the command of the same id, the part's journal (`events`) and
 * watermarks (`mark`) to the coordinator's listeners instead of the recorder. The connection
 * can change under it (the agent reconnects within its lease and resumes the part); the link
 * stays, so the coordinator never sees the reconnect, only its delay.
 * @module
 */
import type { JournalEvent } from '../../engine/events.js'
import type { PartClock, PartLink } from '../../platforms/agent/coordinator/link.js'
import { partRunId, type PartCommand, type PartReply } from '../../platforms/agent/part.js'
import type { RunPart } from '../../shared/api.js'
import type { AgentConnection } from './connection.js'

interface Waiting {
  resolve(value: unknown): void
  reject(error: Error): void
}

export class FleetPartLink implements PartLink {
  readonly partId: string
  /** The connection holding the part now (undefined while its agent is away). */
  conn: AgentConnection | undefined
  status: RunPart['status'] = 'dispatched'
  /** Why it was lost, once it was. */
  reason: string | undefined
  /** The last seq handed to the listeners: every seq up to it was delivered, once. */
  delivered = -1
  readonly lost: Promise<string>
  readonly ended: Promise<void>
  #lose!: (reason: string) => void
  #end!: () => void
  readonly #eventListeners: ((events: JournalEvent[]) => void)[] = []
  readonly #markListeners: ((mark: { seq: number; t: number }) => void)[] = []
  /** Batches that arrived before the first listener: the coordinator sees all of them. */
  readonly #backlog: JournalEvent[][] = []
  readonly #waiting = new Map<number, Waiting>()
  #nextId = 0

  constructor(
    readonly runId: string,
    readonly logical: string,
    readonly agent: string,
    conn: AgentConnection
  ) {
    this.partId = partRunId(runId, logical)
    this.conn = conn
    this.lost = new Promise((resolve) => (this.#lose = resolve))
    this.ended = new Promise((resolve) => (this.#end = resolve))
  }

  /** `edge-2 (b)`: the agent and the logical host, as every line about a part names them. */
  get label(): string {
    return `agent ${this.agent} (${this.logical})`
  }

  get address(): string {
    return plainAddress(this.conn?.address ?? '')
  }

  get settled(): boolean {
    return this.status === 'ended' || this.status === 'lost'
  }

  command(command: PartCommand): Promise<unknown> {
    if (this.status === 'lost') {
      return Promise.reject(new Error(this.reason ?? `${this.label} was lost`))
    }
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      // Not sent while the agent is away: the coordinator's own timeouts and the part's lease
      // decide, as for any step of a lost host.
      this.conn?.send({ type: 'command', runId: this.partId, id, command })
    })
  }

  clock(): PartClock | undefined {
    const estimate = this.conn?.clock.estimate()
    return estimate && { offsetMs: estimate.offsetMs, errorMs: estimate.errorMs }
  }

  onEvents(listener: (events: JournalEvent[]) => void): void {
    this.#eventListeners.push(listener)
    for (const batch of this.#backlog.splice(0)) {
      listener(batch)
    }
  }

  onMark(listener: (mark: { seq: number; t: number }) => void): void {
    this.#markListeners.push(listener)
  }

  abort(reason: string): void {
    this.conn?.send({ type: 'abort', runId: this.partId, reason })
  }

  /**
   * A batch from an `events` frame: the seqs not delivered yet that continue the delivered ones
   * go to the listeners (a resent seq is not delivered twice, a gap waits for its resend).
   * Returns the last delivered seq, for the ack.
   */
  deliver(events: readonly JournalEvent[]): number {
    const fresh: JournalEvent[] = []
    for (const event of events) {
      if (event.seq === this.delivered + 1) {
        fresh.push(event)
        this.delivered = event.seq
      }
    }
    if (fresh.length > 0) {
      if (this.#eventListeners.length === 0) {
        this.#backlog.push(fresh)
      }
      for (const listener of this.#eventListeners) {
        listener(fresh)
      }
    }
    return this.delivered
  }

  mark(mark: { seq: number; t: number }): void {
    for (const listener of this.#markListeners) {
      listener(mark)
    }
  }

  reply(reply: PartReply): boolean {
    const waiting = this.#waiting.get(reply.id)
    if (waiting === undefined) {
      return false // answered already (a resent reply) or never asked
    }
    this.#waiting.delete(reply.id)
    if (reply.ok) {
      waiting.resolve(reply.value)
    } else {
      waiting.reject(new Error(reply.error))
    }
    return true
  }

  /** Its journal reached `run.ended` and every event of it was delivered. */
  end(): void {
    if (this.settled) {
      return
    }
    this.status = 'ended'
    this.#end()
  }

  /** Gone for good without ending: the reason goes to the coordinator and to waiting commands. */
  lose(reason: string): void {
    if (this.settled) {
      return
    }
    this.status = 'lost'
    this.reason = reason
    for (const waiting of this.#waiting.values()) {
      waiting.reject(new Error(reason))
    }
    this.#waiting.clear()
    this.#lose(reason)
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the form a partition rule and a URL take. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
}
