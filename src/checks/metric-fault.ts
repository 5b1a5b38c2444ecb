/**
 * The fault a metric check (`backlog`, `recovery`) counts from: the one its `fault:` names, else
 * the last fault of the run to end. Shared by both checks so they always agree on "the fault".
 * @module
 */
import type { FaultWindow } from './contract.js'
import type { MetricSample } from '../shared/metrics.js'

/** The window the check judges, or why there is none (one line). */
export function pickFault(
  faults: readonly FaultWindow[],
  name: string | undefined
): FaultWindow | { reason: string } {
  if (name !== undefined) {
    // A fault step run twice (a repeated group) has two windows: the latest is the one judged.
    const named = faults.filter((f) => (f.name ?? f.type) === name)
    return latest(named) ?? { reason: `fault "${name}" was never injected in this run` }
  }
  return latest(faults) ?? { reason: 'no fault was injected in this run' }
}

/** The window that ended last; a never-reverted one counts as ending last of all. */
function latest(windows: readonly FaultWindow[]): FaultWindow | undefined {
  let best: FaultWindow | undefined
  for (const w of windows) {
    if (best === undefined || (w.end ?? Infinity) >= (best.end ?? Infinity)) {
      best = w
    }
  }
  return best
}

/** The fault step's name as reports show it. */
export function faultLabel(w: FaultWindow): string {
  return w.name ?? w.type
}

/** Samples in time order (the sampler emits them in order; a replayed journal may not). */
export function sorted(samples: readonly MetricSample[]): MetricSample[] {
  return samples.filter((s) => Number.isFinite(s.value)).sort((a, b) => a.t - b.t)
}
