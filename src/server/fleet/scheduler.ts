/**
 * The queue of runs placed on agents, pure: an in-memory FIFO (rebuilt from the store's
 * `queued` runs at start) that, each time it is evaluated, says which runs go to which agent,
 * which waiting runs' reasons changed, and which timed out. The fleet evaluates it when an
 * agent becomes ready, a slot frees up, a run is queued, and every second for the timeouts;
 * the clock is passed in, so tests drive time by hand. There is no preemption: a run sent to
 * an agent leaves the queue, and comes back (same deadline) only if the agent drops it unanswered.
 * @module
 */
import type { Placement } from '../../shared/api.js'
import { formatDuration } from '../../shared/duration.js'
import { choose, placementText, type AgentView } from './placement.js'

/** `ordeal server --queue-timeout` default. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 10 * 60_000

export interface QueuedRun {
  runId: string
  placement: Placement
  /** When the run was queued (ms): the timeout's reason says how long it waited. */
  queuedAt: number
  /** When it gives up (ms). */
  deadline: number
  /** The reason last published, so an unchanged one is not written again. */
  reason?: string
}

export type SchedulerAction =
  | { type: 'dispatch'; runId: string; agent: string }
  /** A multi-host run: every logical host's agent (logical → agent), reserved together. */
  | { type: 'dispatch-parts'; runId: string; parts: Record<string, string> }
  | { type: 'reason'; runId: string; reason: string }
  | { type: 'timeout'; runId: string; reason: string }

export class Scheduler {
  readonly #queue = new Map<string, QueuedRun>()

  /** Adds the run at the end (or keeps its place when it is queued already). */
  enqueue(run: QueuedRun): void {
    if (!this.#queue.has(run.runId)) {
      this.#queue.set(run.runId, { ...run })
    }
  }

  remove(runId: string): QueuedRun | undefined {
    const run = this.#queue.get(runId)
    this.#queue.delete(runId)
    return run
  }

  has(runId: string): boolean {
    return this.#queue.has(runId)
  }

  get size(): number {
    return this.#queue.size
  }

  /**
   * Walks the queue in order. Dispatched and timed-out runs leave it; each dispatch takes a
   * slot in the view of the agents, so one evaluation never sends an agent more than it holds.
   */
  evaluate(now: number, agents: readonly AgentView[]): SchedulerAction[] {
    const actions: SchedulerAction[] = []
    const view = agents.map((agent) => ({ ...agent, running: [...agent.running] }))
    for (const run of [...this.#queue.values()]) {
      if (now >= run.deadline) {
        this.#queue.delete(run.runId)
        actions.push({ type: 'timeout', runId: run.runId, reason: timeoutReason(run) })
        continue
      }
      const choice = choose(run.placement, view, now)
      if ('agent' in choice) {
        this.#queue.delete(run.runId)
        view.find((agent) => agent.name === choice.agent)?.running.push(run.runId)
        actions.push({ type: 'dispatch', runId: run.runId, agent: choice.agent })
      } else if ('parts' in choice) {
        this.#queue.delete(run.runId)
        for (const name of Object.values(choice.parts)) {
          view.find((agent) => agent.name === name)?.running.push(run.runId)
        }
        actions.push({ type: 'dispatch-parts', runId: run.runId, parts: choice.parts })
      } else if (choice.reason !== run.reason) {
        run.reason = choice.reason
        actions.push({ type: 'reason', runId: run.runId, reason: choice.reason })
      }
    }
    return actions
  }
}

/** `not started: no agent named edge-1 was connected and free within 10m (queue timeout)`. */
export function timeoutReason(run: Pick<QueuedRun, 'placement' | 'queuedAt' | 'deadline'>): string {
  const waited = formatDuration(Math.max(0, run.deadline - run.queuedAt))
  if ('parts' in run.placement) {
    const parts = placementText(run.placement)
    return `not started: agents ${parts} were not all connected and free within ${waited} (queue timeout)`
  }
  const who =
    'agent' in run.placement
      ? `no agent named ${run.placement.agent}`
      : `no agent with ${placementText(run.placement)}`
  return `not started: ${who} was connected and free within ${waited} (queue timeout)`
}
