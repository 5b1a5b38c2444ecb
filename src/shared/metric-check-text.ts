/**
 * The one line a `backlog` or `recovery` check shows everywhere a queue check shows its counts
 * (terminal, JUnit, JSON result, UI): `drained to 12 < 100 in 8.4 s after "slow-db" ended
 * (peak 4 210 at +31.0 s)`. No Node APIs: the UI imports this file.
 * @module
 */
import type { BacklogCheckResult, RecoveryCheckResult } from './metrics.js'
import { formatCount, formatMs, formatOffset, formatPercent, sig3 } from './units.js'

/** A metric reading: a depth is a count (`4 210`), a rate keeps three digits (`12.3`). */
export function formatMetricValue(value: number): string {
  return Number.isInteger(value) ? formatCount(value) : sig3(value)
}

/** @param runStartedAt the run's start, ms since the epoch, for the peak's `+31.0 s` */
export function describeMetricCheck(
  result: BacklogCheckResult | RecoveryCheckResult,
  runStartedAt: number
): string {
  if (result.reason !== undefined) {
    return result.type === 'backlog' && result.peakAt > 0
      ? `${result.reason} (peak ${formatMetricValue(result.peak)} at ${formatOffset(result.peakAt - runStartedAt)})`
      : result.reason
  }
  const fault = `after "${result.fault}" ended`
  if (result.type === 'backlog') {
    return `drained to ${formatMetricValue(result.drainedValue ?? result.below)} < ${formatMetricValue(result.below)} in ${formatMs(result.drainMs ?? 0)} ${fault} (peak ${formatMetricValue(result.peak)} at ${formatOffset(result.peakAt - runStartedAt)})`
  }
  return `recovered to ${formatMetricValue(result.recoveredValue ?? 0)} ≥ ${formatPercent(result.atLeast)} of ${formatMetricValue(result.before)} in ${formatMs(result.recoveryMs ?? 0)} ${fault} (dip to ${formatMetricValue(result.during)})`
}
