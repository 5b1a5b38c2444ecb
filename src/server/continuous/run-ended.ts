/**
 * Every ended run, once: gates waiting for a verdict (`?run=true`), notifications on a verdict
 * change, schedules freeing a Forbid slot. The seam is the metrics' `runEnded`, which every
 * place that ends a run already calls exactly once (the recorder for server and CLI runs, the
 * fleet's queue for agent runs): `withRunEnded` makes that call publish here too.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { ServerMetrics } from '../context.js'

export type RunEndedListener = (run: RunSummary) => void

export interface RunEndedHub {
  subscribe(listener: RunEndedListener): () => void
  publish(run: RunSummary): void
}

export function createRunEndedHub(log: (line: string) => void): RunEndedHub {
  const listeners = new Set<RunEndedListener>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    publish(run) {
      for (const listener of [...listeners]) {
        try {
          listener(run)
        } catch (error) {
          log(`run ${run.id}: a run-ended listener failed: ${String(error)}`)
        }
      }
    },
  }
}

/** The same metrics, whose `runEnded` also publishes the run on the hub. */
export function withRunEnded(metrics: ServerMetrics, hub: RunEndedHub): ServerMetrics {
  return {
    observe: (run, event) => metrics.observe(run, event),
    runEnded(run) {
      metrics.runEnded(run)
      hub.publish(run)
    },
    render: () => metrics.render(),
    get contentType() {
      return metrics.contentType
    },
  }
}
