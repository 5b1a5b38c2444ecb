/**
 * Server-side leases of agent runs: when an agent's connection closes or is declared dead, each
 * of its running runs gets a timer at `lastFrameAt + leaseMs + 5 s`. By then the agent, if it is
 * alive but cut off, has rolled the run back by itself (its own dead-man switch fires at
 * `leaseMs`; the 5 s are for that rollback), so the server ends the run `interrupted` and waits
 * for the late report. A reconnect in time disarms the timers. At server start, agent runs still
 * `running` get timers counted from the start, so a restart shorter than the lease loses nothing.
 * @module
 */

/** Left to the agent for its own rollback before the server gives the run up. */
export const LEASE_GRACE_MS = 5000

/** `ordeal server --agent-lease` default. */
export const DEFAULT_LEASE_MS = 30_000

export interface Timers {
  now(): number
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export const realTimers: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => {
    const handle = setTimeout(fn, ms)
    // A lease timer must not keep a stopping server alive.
    handle.unref()
    return handle
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface Lease {
  agent: string
  leaseMs: number
  handle: unknown
}

export class Leases {
  readonly #leases = new Map<string, Lease>()

  constructor(
    private readonly timers: Timers,
    /** Called once per lapsed lease (the run is no longer tracked here). */
    private readonly onLapse: (runId: string, agent: string, leaseMs: number) => void
  ) {}

  /** Arms (or re-arms) the run's lease to lapse at `from + leaseMs + LEASE_GRACE_MS`. */
  arm(runId: string, agent: string, from: number, leaseMs: number): void {
    this.disarm(runId)
    const delay = Math.max(0, from + leaseMs + LEASE_GRACE_MS - this.timers.now())
    const handle = this.timers.set(() => {
      if (this.#leases.get(runId)?.handle === handle) {
        this.#leases.delete(runId)
        this.onLapse(runId, agent, leaseMs)
      }
    }, delay)
    this.#leases.set(runId, { agent, leaseMs, handle })
  }

  disarm(runId: string): boolean {
    const lease = this.#leases.get(runId)
    if (lease === undefined) {
      return false
    }
    this.timers.clear(lease.handle)
    this.#leases.delete(runId)
    return true
  }

  has(runId: string): boolean {
    return this.#leases.has(runId)
  }

  /** The runs of `agent` waiting on their lease. */
  of(agent: string): string[] {
    return [...this.#leases].filter(([, lease]) => lease.agent === agent).map(([runId]) => runId)
  }

  clearAll(): void {
    for (const lease of this.#leases.values()) {
      this.timers.clear(lease.handle)
    }
    this.#leases.clear()
  }
}
