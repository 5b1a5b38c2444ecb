/**
 * The live bus: an in-memory pub/sub per run id, so SSE viewers see a run's events the moment
 * the recorder has them, whether the run executes here or is recorded from `ordeal run
 * --server`. Delivery is synchronous and in publish order; the store stays the source of truth
 * (a viewer that connects late reads the backlog from it, then follows the bus).
 * @module
 */
import type { RunBus } from '../context.js'
import type { StreamMessage } from '../../shared/api.js'

type Listener = (message: StreamMessage) => void

export function createRunBus(): RunBus {
  const listeners = new Map<string, Set<Listener>>()
  return {
    publish(runId, message) {
      const set = listeners.get(runId)
      if (!set) {
        return
      }
      // A copy: a listener that unsubscribes on `status` must not skip its neighbour.
      for (const listener of [...set]) {
        try {
          listener(message)
        } catch {
          // One broken viewer must not stop the others or the run's ingest.
        }
      }
    },
    subscribe(runId, listener) {
      let set = listeners.get(runId)
      if (!set) {
        set = new Set()
        listeners.set(runId, set)
      }
      set.add(listener)
      return () => {
        const current = listeners.get(runId)
        if (!current) {
          return
        }
        current.delete(listener)
        if (current.size === 0) {
          listeners.delete(runId)
        }
      }
    },
  }
}
