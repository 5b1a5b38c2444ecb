/**
 * When a run's verdict is news: the rule of notifications, apart from I/O so it is tested over
 * every pair of verdicts. Only judged runs count (`pass`, `fail`, `error`): an interrupted or
 * cancelled run says nothing about the hypothesis, so it neither notifies nor serves as the
 * previous verdict (pass → interrupted → fail still reads as pass → fail).
 * - the verdict differs from the previous judged run's → `failed` (now fail), `recovered`
 *   (now pass), `error` (now error);
 * - no previous judged run: as if the previous one passed (a first pass is no news).
 * @module
 */
import type { Verdict } from '../../shared/api.js'
import type { VerdictChange } from '../../shared/continuous.js'

export type JudgedVerdict = 'pass' | 'fail' | 'error'

export const isJudged = (verdict: Verdict | undefined): verdict is JudgedVerdict =>
  verdict === 'pass' || verdict === 'fail' || verdict === 'error'

export function verdictChange(
  previous: Verdict | undefined,
  current: Verdict | undefined
): VerdictChange | undefined {
  if (!isJudged(current)) {
    return undefined
  }
  const before: JudgedVerdict = isJudged(previous) ? previous : 'pass'
  if (before === current) {
    return undefined
  }
  return current === 'pass' ? 'recovered' : current === 'fail' ? 'failed' : 'error'
}
