/**
 * Monitors in words, for the terminal, the run's reason and reports: a transition as
 * `down → fail on api-up failed: connect ECONNREFUSED`, a path as `up → killed → down`.
 * No node-only imports: the UI may bundle it.
 * @module
 */
import type { TransitionRecord } from './contract.js'
import { formatMs } from './machine.js'

/** `from → to` and what triggered it; times as offsets from `t0` when given. */
export function describeTransition(
  r: Pick<TransitionRecord, 'from' | 'to' | 'trigger' | 'observation' | 'rule'> & { at: number },
  t0?: number
): string {
  const when = t0 === undefined ? '' : ` at +${formatMs(Math.max(0, r.at - t0))}`
  const rule = r.rule === undefined || r.rule === 'timeout' ? '' : ` (${r.rule})`
  const cause =
    r.trigger === 'observation'
      ? ` on ${r.observation ?? 'an observation'}${rule}`
      : r.trigger === 'timeout'
        ? ` on timeout${rule}`
        : ' at the end of the steps'
  return `${r.from} → ${r.to}${cause}${when}`
}

/** The states a monitor went through, in order: `up → killed → down → back → accept`. */
export function statePath(monitor: string, records: readonly TransitionRecord[]): string {
  const own = records.filter((r) => r.monitor === monitor)
  if (own.length === 0) {
    return ''
  }
  return [own[0]!.from, ...own.map((r) => r.to)].join(' → ')
}
