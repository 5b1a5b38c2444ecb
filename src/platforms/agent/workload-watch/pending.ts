/**
 * Changes not yet sent: while the agent is disconnected (or its server does not take
 * `workload-changed`), only the latest change of each workload is kept, so a reconnect sends
 * what is true now, once, instead of replaying every intermediate deploy. Bounded: past
 * MAX_PENDING workloads the oldest is dropped (said in the log).
 * @module
 */
import type { WorkloadChange } from './tracker.js'

export const MAX_PENDING = 10_000

export class PendingChanges {
  readonly #latest = new Map<string, WorkloadChange>()

  constructor(private readonly warn: (line: string) => void = () => undefined) {}

  get size(): number {
    return this.#latest.size
  }

  add(change: WorkloadChange): void {
    const key = `${change.namespace}/${change.workload}`
    // Re-inserted, so the map's order is the order of the latest changes.
    this.#latest.delete(key)
    this.#latest.set(key, change)
    if (this.#latest.size > MAX_PENDING) {
      const [oldest] = this.#latest.keys()
      this.#latest.delete(oldest!)
      this.warn(`workload watch: more than ${MAX_PENDING} unsent changes; dropped ${oldest}`)
    }
  }

  /** Sends in order until `send` refuses one (no connection): that one and the rest stay. */
  drain(send: (change: WorkloadChange) => boolean): number {
    let sent = 0
    for (const [key, change] of this.#latest) {
      if (!send(change)) {
        break
      }
      this.#latest.delete(key)
      sent++
    }
    return sent
  }
}
