/**
 * How a part's run hears its coordinator (part.ts): commands in arrival order, replies out. The
 * run process fills it from its IPC; a command that arrives before the runner serves waits here.
 *
 * Commands are deduplicated by id: the coordinator resends the ones it has no reply for after
 * the agent's socket comes back (review 14b #4), and either the command or its reply may be the
 * one that was lost. A resent id still being carried out is ignored (its reply will come); a
 * finished one gets its reply again, from a bounded cache of the latest replies.
 * @module
 */
import type { PartCommand, PartReply } from '../../platforms/agent/part.js'

export interface PartMessage {
  id: number
  command: PartCommand
}

/** `RunOptions.part`: run only this logical host's services and serve the coordinator. */
export interface PartMode {
  /** The logical host (`spec.system.agents[].name`). */
  name: string
  /** The agent's registered name (`edge-1`). */
  agent: string
  /** The Chaos Center's addresses as this agent reaches it: no partition may name them. */
  centerAddresses: string[]
  /** `ordeal agent --allow-host-network`: rules in the agent's own namespace are allowed. */
  allowHostNetwork: boolean
  channel: PartChannel
}

/** Replies kept for resent commands: far more than the commands a part has in flight at once. */
export const kRepliesKept = 1024

export class PartChannel {
  readonly #queue: PartMessage[] = []
  #waiter: ((message: PartMessage | undefined) => void) | undefined
  #closed = false
  /** Ids received and not answered yet. */
  readonly #inflight = new Set<number>()
  /** Answered ids, oldest first (Map keeps insertion order), at most kRepliesKept. */
  readonly #answered = new Map<number, PartReply>()

  constructor(private readonly send: (reply: PartReply) => void) {}

  /** Answers command `reply.id` (once: a second reply for the same id is dropped). */
  reply(reply: PartReply): void {
    if (this.#answered.has(reply.id)) {
      return
    }
    this.#inflight.delete(reply.id)
    this.#answered.set(reply.id, reply)
    if (this.#answered.size > kRepliesKept) {
      this.#answered.delete(this.#answered.keys().next().value!)
    }
    this.send(reply)
  }

  push(message: PartMessage): void {
    const answered = this.#answered.get(message.id)
    if (answered) {
      this.send(answered) // its reply was lost with the socket
      return
    }
    if (this.#inflight.has(message.id)) {
      return // its reply will come
    }
    this.#inflight.add(message.id)
    if (this.#closed) {
      this.reply({ id: message.id, ok: false, error: 'the part has ended' })
      return
    }
    const waiter = this.#waiter
    if (waiter) {
      this.#waiter = undefined
      waiter(message)
    } else {
      this.#queue.push(message)
    }
  }

  /** The next command; undefined once closed or when `signal` aborts first. */
  next(signal: AbortSignal): Promise<PartMessage | undefined> {
    const queued = this.#queue.shift()
    if (queued || this.#closed || signal.aborted) {
      return Promise.resolve(queued)
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#waiter = undefined
        resolve(undefined)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiter = (message) => {
        signal.removeEventListener('abort', onAbort)
        resolve(message)
      }
    })
  }

  /** Nothing more is served: queued and later commands are answered ok:false. */
  close(): void {
    this.#closed = true
    for (const message of this.#queue.splice(0)) {
      this.reply({ id: message.id, ok: false, error: 'the part has ended' })
    }
    this.#waiter?.(undefined)
    this.#waiter = undefined
  }
}
