/**
 * Waits for one run's end through the run-ended hub, within a budget that starts when the watch
 * opens. The watch is opened BEFORE the run is started, because a run can end (a manifest that
 * fails at once, a queued run cancelled) before the code that started it learns its id: ends
 * seen before `waitFor` names the run are kept until then, and only that run's afterwards.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { Clock } from '../continuous/clock.js'
import type { RunEndedHub } from '../continuous/run-ended.js'

export interface RunWatch {
  /** The run's end, or undefined once the budget is spent (the run goes on). */
  waitFor(runId: string): Promise<RunSummary | undefined>
  close(): void
}

export function watchRunEnds(hub: RunEndedHub, clock: Clock, budgetMs: number): RunWatch {
  const early = new Map<string, RunSummary>()
  let wanted: string | undefined
  let settle: ((run: RunSummary | undefined) => void) | undefined
  let expired = false
  const timer = clock.timer(budgetMs, function onBudgetSpent() {
    expired = true
    settle?.(undefined)
  })
  const unsubscribe = hub.subscribe(function onRunEnded(run) {
    if (wanted === undefined) {
      early.set(run.id, run)
    } else if (run.id === wanted) {
      settle?.(run)
    }
  })
  const close = () => {
    timer.cancel()
    unsubscribe()
    early.clear()
  }
  return {
    waitFor(runId) {
      wanted = runId
      const seen = early.get(runId)
      early.clear()
      if (seen !== undefined) {
        return Promise.resolve(seen)
      }
      if (expired) {
        return Promise.resolve(undefined)
      }
      return new Promise((resolve) => {
        settle = resolve
      })
    },
    close,
  }
}
