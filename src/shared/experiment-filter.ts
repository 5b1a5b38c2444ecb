/**
 * The experiment list's filter (`GET /api/experiments?q=&label=k=v`), in one place: the server
 * route applies it, and the UI applies the same function to the answer it holds while the next
 * one loads, so the two can never disagree. Pure, no Node APIs (the UI imports it).
 * @module
 */

export interface ExperimentFilter {
  /** A case-insensitive substring of the name or of the hypothesis; blank matches all. */
  q: string
  /** `k=v` filters: every one must match. */
  labels: readonly string[]
}

/** What the filter looks at in an experiment. */
export interface FilterableExperiment {
  name: string
  hypothesis: string
  labels: Record<string, string>
}

/**
 * `k=v` filters (`?label=team=payments`): every one must match exactly. The value may hold `=`;
 * a filter without `=` or with an empty key matches nothing.
 */
export function matchesLabels(labels: Record<string, string>, wanted: readonly string[]): boolean {
  return wanted.every((filter) => {
    const at = filter.indexOf('=')
    const key = filter.slice(0, at)
    return at > 0 && Object.hasOwn(labels, key) && labels[key] === filter.slice(at + 1)
  })
}

/** `q` in the name or the hypothesis (each searched on its own), and every label. */
export function matchesExperiment(e: FilterableExperiment, filter: ExperimentFilter): boolean {
  const q = filter.q.trim().toLowerCase()
  return (
    (q === '' || e.name.toLowerCase().includes(q) || e.hypothesis.toLowerCase().includes(q)) &&
    matchesLabels(e.labels, filter.labels)
  )
}
