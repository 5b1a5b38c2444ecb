/**
 * A gate's verdict over one run: the pure rule behind `GET /api/gates/:experiment`, kept apart
 * from HTTP so it is tested over every verdict, score and threshold.
 * A run passes the gate when its hypothesis held (verdict `pass`) with a score at or above the
 * threshold. A disproved hypothesis (`fail`) passes only below the default threshold of 100,
 * when the caller chose a tolerance (a `fail` with score 90 passes `threshold=80`): the engine
 * scores only the scored steps, so a run that failed its deadline after every scored step held
 * still scores 100, and at 100 the verdict decides, as in ci/ordeal-run.sh. `error`,
 * `interrupted` and `cancelled` never pass: nothing was judged.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { GateAnswer } from '../../shared/continuous.js'
import { formatMs } from '../../shared/units.js'
import { oneLine } from '../api/validation.js'

export interface GateRule {
  /** 0–100: the least score that passes. */
  threshold: number
  /** A run that ended longer ago than this fails the gate (stale evidence). */
  maxAgeMs?: number
  /** Only runs of this experiment version count (the current one, unless `anyVersion`). */
  version?: number
}

/** Longest run reason quoted in a gate's answer (it travels in headers of some callers' logs). */
const MAX_REASON = 300

export function judgeRun(
  experiment: string,
  run: RunSummary | undefined,
  rule: GateRule,
  now: number
): GateAnswer {
  const base = { experiment, threshold: rule.threshold }
  if (run === undefined) {
    const of = rule.version !== undefined ? ` of version ${rule.version}` : ''
    return { ...base, pass: false, reason: `no run${of} yet` }
  }
  const facts = {
    runId: run.id,
    ...(run.verdict !== undefined ? { verdict: run.verdict } : {}),
    ...(run.score !== undefined ? { score: run.score } : {}),
  }
  const answer = (pass: boolean, reason: string): GateAnswer => ({
    ...base,
    ...facts,
    pass,
    reason: oneLine(reason),
  })
  const why = run.reason !== undefined ? `: ${clip(run.reason)}` : ''
  if (rule.maxAgeMs !== undefined && run.endedAt !== undefined) {
    const age = now - Date.parse(run.endedAt)
    if (age > rule.maxAgeMs) {
      return answer(
        false,
        `run ${run.id} ended ${formatMs(age)} ago, older than maxAge ${formatMs(rule.maxAgeMs)}`
      )
    }
  }
  const verdict = run.verdict
  if (verdict !== 'pass' && verdict !== 'fail') {
    const ended = verdict ?? run.status
    return answer(false, `run ${run.id} ended ${ended}${why}`)
  }
  // A pass carries no score only in journals older than scoring; it held every probe.
  const score = run.score ?? (verdict === 'pass' ? 100 : 0)
  const word = verdict === 'pass' ? 'passed' : 'failed'
  // At 100 (the default) a tolerance was not asked for: a disproved hypothesis never passes.
  const tolerated = verdict === 'pass' || rule.threshold < 100
  if (tolerated && score >= rule.threshold) {
    return answer(true, `run ${run.id} ${word} with score ${shown(score)} ≥ ${rule.threshold}`)
  }
  if (score >= rule.threshold) {
    return answer(
      false,
      `run ${run.id} failed (score ${shown(score)}; threshold 100: the verdict decides)${why}`
    )
  }
  return answer(false, `run ${run.id} ${word} with score ${shown(score)} < ${rule.threshold}${why}`)
}

const shown = (score: number) => String(Math.round(score * 10) / 10)

function clip(text: string): string {
  const line = oneLine(text)
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line
}
