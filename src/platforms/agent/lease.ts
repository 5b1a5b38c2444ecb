/**
 * The dead-man switch (issue 14 item 2): an agent that has not heard from its Chaos Center for
 * a run's lease aborts that run by itself, so its faults are rolled back from its ledger even
 * when the network, not the agent, failed. Any frame from the server counts (pings come every
 * heartbeat). Pure but for the callback: the caller drives `tick` with its own clock (every
 * 250 ms in the agent, by hand in tests).
 * @module
 */
import { formatDuration } from '../../shared/duration.js'

export interface LeasedRun {
  runId: string
  leaseMs: number
}

export class DeadManSwitch {
  #lastServerFrameAt: number
  /** Runs already aborted for their lease: abort is asked once. */
  #fired = new Set<string>()

  constructor(
    now: number,
    private readonly abort: (runId: string, reason: string) => void
  ) {
    this.#lastServerFrameAt = now
  }

  get lastServerFrameAt(): number {
    return this.#lastServerFrameAt
  }

  /** A frame arrived from the server. */
  heard(now: number): void {
    this.#lastServerFrameAt = Math.max(this.#lastServerFrameAt, now)
  }

  /** Aborts every unfinished run whose lease has lapsed at `now`; returns their ids. */
  tick(now: number, runs: Iterable<LeasedRun>): string[] {
    const silentMs = now - this.#lastServerFrameAt
    const fired: string[] = []
    for (const run of runs) {
      if (silentMs > run.leaseMs && !this.#fired.has(run.runId)) {
        this.#fired.add(run.runId)
        fired.push(run.runId)
        this.abort(run.runId, leaseReason(run.leaseMs))
      }
    }
    return fired
  }

  /** The run ended: forget it. */
  forget(runId: string): void {
    this.#fired.delete(runId)
  }
}

export function leaseReason(leaseMs: number): string {
  return `lost the Chaos Center for ${formatDuration(leaseMs)} (lease): faults rolled back on this host`
}
