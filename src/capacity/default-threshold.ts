/**
 * The threshold a capacity search uses when it is given none: at most 1 % of requests fail.
 * Without any, a rate would pass whatever the system answered (a 99 % 503 server would have
 * a capacity); a search needs a definition of "holds", so it gets this one, and says so.
 * @module
 */
import type { ThresholdSpec } from '../load/contract.js'

export const DEFAULT_THRESHOLD: ThresholdSpec = {
  metric: 'http_req_failed',
  expression: 'rate<0.01',
  abortOnFail: false,
  delayAbortEvalMs: 0,
}

/** The line that tells the reader which thresholds judged the trials. */
export const DEFAULT_THRESHOLD_NOTE =
  "no threshold given: a rate holds when http_req_failed 'rate<0.01' (under 1 % of requests fail)"

/** `thresholds`, or the default one when there are none. */
export function withDefaultThreshold(thresholds: readonly ThresholdSpec[]): ThresholdSpec[] {
  return thresholds.length === 0 ? [{ ...DEFAULT_THRESHOLD }] : [...thresholds]
}
