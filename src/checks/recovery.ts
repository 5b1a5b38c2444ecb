/**
 * `recovery`: the seed's "dump rate drop", made a verdict. `before` is the metric's mean over
 * `baseline` before the fault was injected, `during` its lowest reading while the fault was
 * active; it has recovered once a reading after the revert is ≥ `atLeast` × before, which must
 * happen within `within`. Pure: the engine passes the journal's samples.
 * @module
 */
import type { MetricSample, RecoveryCheckResult } from '../shared/metrics.js'
import type { FaultWindow } from './contract.js'
import { faultLabel, pickFault, sorted } from './metric-fault.js'
import { formatMs, formatPercent } from '../shared/units.js'
import { formatMetricValue } from '../shared/metric-check-text.js'

export interface RecoveryCheckInput {
  metric: string
  samples: readonly MetricSample[]
  faults: readonly FaultWindow[]
  fault?: string
  /** 0..1: 0.9 = 90 % of before. */
  atLeast: number
  withinMs: number
  baselineMs: number
}

export function checkRecovery(input: RecoveryCheckInput): RecoveryCheckResult {
  const base = {
    type: 'recovery' as const,
    metric: input.metric,
    atLeast: input.atLeast,
    withinMs: input.withinMs,
  }
  const fail = (fault: string, faultEndedAt: number, reason: string, before = 0, during = 0) => ({
    ...base,
    valid: false,
    fault,
    faultEndedAt,
    before,
    during,
    reason,
  })
  const picked = pickFault(input.faults, input.fault)
  if ('reason' in picked) {
    return fail(input.fault ?? '', 0, picked.reason)
  }
  const name = faultLabel(picked)
  const samples = sorted(input.samples)
  const baseline = samples.filter(
    (s) => s.t >= picked.start - input.baselineMs && s.t < picked.start
  )
  if (baseline.length === 0) {
    return fail(
      name,
      picked.end ?? 0,
      `no sample of ${input.metric} in the ${formatMs(input.baselineMs)} before "${name}" was injected`
    )
  }
  const before = baseline.reduce((sum, s) => sum + s.value, 0) / baseline.length
  const end = picked.end
  const active = samples.filter((s) => s.t >= picked.start && (end === undefined || s.t < end))
  // No reading while active (a short fault, a slow interval): no dip was seen, so none is shown.
  const during = active.length ? Math.min(...active.map((s) => s.value)) : before
  if (end === undefined) {
    return fail(name, 0, `fault "${name}" was never reverted`, before, during)
  }
  if (before <= 0) {
    // Any reading is ≥ atLeast × 0: a check that cannot fail says nothing.
    return fail(
      name,
      end,
      `${input.metric} was ${formatMetricValue(before)} before "${name}": nothing to recover to`,
      before,
      during
    )
  }
  const after = samples.filter((s) => s.t >= end)
  if (after.length === 0) {
    return fail(
      name,
      end,
      `no sample of ${input.metric} after "${name}" ended (the metric source failed or the run ended first)`,
      before,
      during
    )
  }
  const target = input.atLeast * before
  const recovered = after.find((s) => s.value >= target)
  const common = { ...base, fault: name, faultEndedAt: end, before, during }
  if (recovered === undefined) {
    const last = after[after.length - 1]!
    const short = last.t - end < input.withinMs ? ' (the samples stop before the deadline)' : ''
    return {
      ...common,
      valid: false,
      reason: `never back to ${formatPercent(input.atLeast)} of ${formatMetricValue(before)} within ${formatMs(input.withinMs)} after "${name}" ended: last reading ${formatMetricValue(last.value)}, ${formatMs(last.t - end)} after it ended${short}`,
    }
  }
  const recoveryMs = recovered.t - end
  const valid = recoveryMs <= input.withinMs
  return {
    ...common,
    valid,
    recoveredAt: recovered.t,
    recoveryMs,
    recoveredValue: recovered.value,
    ...(valid
      ? {}
      : {
          reason: `back to ${formatMetricValue(recovered.value)} ≥ ${formatPercent(input.atLeast)} of ${formatMetricValue(before)} only ${formatMs(recoveryMs)} after "${name}" ended, later than ${formatMs(input.withinMs)}`,
        }),
  }
}
