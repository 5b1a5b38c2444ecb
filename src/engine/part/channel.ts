/**
 * How a part's run hears its coordinator (part.ts): commands in arrival order, replies out. The
 * run process fills it from its IPC; a command that arrives before the runner serves waits here.
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

export class PartChannel {
  readonly #queue: PartMessage[] = []
  #waiter: ((message: PartMessage | undefined) => void) | undefined
  #closed = false

  constructor(readonly reply: (reply: PartReply) => void) {}

  push(message: PartMessage): void {
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
