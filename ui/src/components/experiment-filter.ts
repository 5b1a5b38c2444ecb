/**
 * The experiment list's filter in the URL (`?q=&label=k=v`) and the running indicator. Which
 * experiments match is decided by src/shared/experiment-filter.ts, the function the server's
 * route applies: the page applies it to the list it holds while the next answer loads.
 * Pure, tested by node:test (experiment-filter.test.ts beside this file).
 */
import type { ExperimentSummary } from '../../../src/shared/api.js'
import type { ExperimentFilter } from '../../../src/shared/experiment-filter.js'

export type { ExperimentFilter }
export { matchesExperiment } from '../../../src/shared/experiment-filter.js'

export function filterQuery(f: ExperimentFilter): string {
  const params = new URLSearchParams()
  if (f.q.trim() !== '') {
    params.set('q', f.q.trim())
  }
  for (const l of f.labels) {
    params.append('label', l)
  }
  const query = params.toString()
  return query === '' ? '' : `?${query}`
}

/** Runs of the experiment now running. */
export function runningCount(e: ExperimentSummary): number {
  return e.runningRuns
}
