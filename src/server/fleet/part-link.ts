/**
 * One part of a multi-host run as the coordinator holds it (coordinator/link.ts's PartLink),
 * over the fleet's connection to the agent that runs it: commands out as `command` frames,
 * `reply` frames back to the command of the same id, the part's journal (`events`) and
 * watermarks (`mark`) to the coordinator's listeners instead of the recorder. The connection
 * can change under it (the agent reconnects within its lease and resumes the part); the link
 * stays, so the coordinator never sees the reconnect, only its delay.
 * @module
 */
import { networkInterfaces } from 'node:os'
import { isIP } from 'node:net'
import type { JournalEvent } from '../../engine/events.js'
import type { PartClock, PartLink } from '../../platforms/agent/coordinator/link.js'
import { partRunId, type PartCommand, type PartReply } from '../../platforms/agent/part.js'
import type { RunPart } from '../../shared/api.js'
import type { AgentConnection } from './connection.js'

interface Waiting {
  command: PartCommand
  resolve(value: unknown): void
  reject(error: Error): void
}

/**
 * The part id of one dispatch attempt: `<runId>.<logical>` first, `<runId>.<logical>_2` on
 * the next (a run put back in the queue is sent again under new ids, so an agent still rolling
 * back the aborted attempt never answers for it). `_` is in the run-id alphabet and never in a
 * logical name, so the two cannot collide.
 */
export function attemptPartId(runId: string, logical: string, attempt: number): string {
  const id = partRunId(runId, logical)
  return attempt <= 1 ? id : `${id}_${attempt}`
}

/** The run id a part id belongs to (`X.a_2` → `X`), or undefined for another kind of id. */
export function runOfPartId(partId: string): string | undefined {
  const dot = partId.replace(/_\d+$/, '').lastIndexOf('.')
  return dot > 0 ? partId.slice(0, dot) : undefined
}

export class FleetPartLink implements PartLink {
  readonly partId: string
  #conn: AgentConnection | undefined
  /** The last connection's addresses: the link keeps them while its agent is away. */
  #address = ''
  #onCenterHost = false
  /**
   * Its run was put back in the queue or ended before starting: this attempt only waits for
   * its agent to report its end (its slot held until then); it no longer writes the run's rows.
   */
  retired = false
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
    conn: AgentConnection,
    attempt = 1
  ) {
    this.partId = attemptPartId(runId, logical, attempt)
    this.conn = conn
    this.lost = new Promise((resolve) => (this.#lose = resolve))
    this.ended = new Promise((resolve) => (this.#end = resolve))
  }

  /** `edge-2 (b)`: the agent and the logical host, as every line about a part names them. */
  get label(): string {
    return `agent ${this.agent} (${this.logical})`
  }

  /** The connection holding the part now (undefined while its agent is away). */
  get conn(): AgentConnection | undefined {
    return this.#conn
  }

  set conn(conn: AgentConnection | undefined) {
    this.#conn = conn
    if (conn !== undefined) {
      this.#address = plainAddress(conn.address)
      this.#onCenterHost = onCenterHost(conn.address, conn.localAddress)
    }
  }

  get address(): string {
    return this.#address
  }

  get onCenterHost(): boolean {
    return this.#onCenterHost
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
      this.#waiting.set(id, { command, resolve, reject })
      // Not sent while the agent is away, and a send on a closing socket is lost: it stays
      // waiting and goes again, same id, when the part continues on a new connection (resend).
      this.conn?.send({ type: 'command', runId: this.partId, id, command })
    })
  }

  /**
   * The part continued on a new connection: every command not answered yet goes again with its
   * id (the agent answers an id once: one still running is ignored, a finished one's reply is
   * sent again), so neither a command nor a reply lost with the old socket holds the run.
   */
  resend(): void {
    for (const [id, waiting] of this.#waiting) {
      this.conn?.send({ type: 'command', runId: this.partId, id, command: waiting.command })
    }
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

/**
 * The agent shares the Chaos Center's host (its network namespace): its connection comes from
 * loopback, from one of this server's own addresses, or from the very address it connected to.
 * A partition on such a host would cut the Chaos Center off the other agents.
 */
export function onCenterHost(
  address: string,
  localAddress: string | undefined,
  own: () => readonly string[] = ownAddresses
): boolean {
  const peer = plainAddress(address)
  if (isIP(peer) === 0) {
    return false
  }
  if (peer === '::1' || (isIP(peer) === 4 && peer.startsWith('127.'))) {
    return true
  }
  if (localAddress !== undefined && plainAddress(localAddress) === peer) {
    return true
  }
  return own().some((mine) => plainAddress(mine) === peer)
}

function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((entry) => entry.address.replace(/%.*$/, ''))
  )
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: the form a partition rule and a URL take. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
}
