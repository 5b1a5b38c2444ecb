/**
 * The experiment list's filter, as the server applies it (`GET /api/experiments?q=&label=k=v`):
 * `q` a case-insensitive substring of the name or the hypothesis, every `label` `k=v` matching.
 * The page sends both to the server and applies the same test to the answer, so the list is
 * right against a server that ignores the parameters too. Pure, tested by node:test.
 */
import type { ExperimentSummary } from '../../../src/shared/api.js'

export interface ExperimentFilter {
  q: string
  /** `k=v` strings. */
  labels: string[]
}

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

export function matches(e: ExperimentSummary, f: ExperimentFilter): boolean {
  const q = f.q.trim().toLowerCase()
  if (q !== '' && !`${e.name}\n${e.hypothesis}`.toLowerCase().includes(q)) {
    return false
  }
  // Without labels in the answer (an older server) only the server can have filtered by them.
  if (e.labels === undefined) {
    return true
  }
  const labels = e.labels
  return f.labels.every((l) => {
    const [k, v] = splitLabel(l)
    return labels[k] === v
  })
}

/** `team=payments` → `['team', 'payments']` (a value may itself hold `=`). */
export function splitLabel(label: string): [string, string] {
  const i = label.indexOf('=')
  return i < 0 ? [label, ''] : [label.slice(0, i), label.slice(i + 1)]
}

/** Runs of the experiment now running (the last run's status when the server sends no count). */
export function runningCount(e: ExperimentSummary): number {
  return e.runningRuns ?? (e.lastRun?.status === 'running' ? 1 : 0)
}
