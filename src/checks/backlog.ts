/**
 * `backlog`: the seed's "accumulation of messages", made a verdict. After the fault is reverted,
 * the metric (a queue's depth) must read below `below` within `within`; the peak from the
 * injection on says how deep the backlog got. Pure: the engine passes the journal's samples.
 * @module
 */
import type { BacklogCheckResult, MetricSample } from '../shared/metrics.js'
import type { FaultWindow } from './contract.js'
import { faultLabel, pickFault, sorted } from './metric-fault.js'
import { formatMs } from '../shared/units.js'
import { formatMetricValue } from '../shared/metric-check-text.js'

export interface BacklogCheckInput {
  /** The metric's name (`spec.metrics[].name`). */
  metric: string
  samples: readonly MetricSample[]
  faults: readonly FaultWindow[]
  /** The fault step's name; undefined = the last fault of the run to end. */
  fault?: string
  below: number
  withinMs: number
}

export function checkBacklog(input: BacklogCheckInput): BacklogCheckResult {
  const base = {
    type: 'backlog' as const,
    metric: input.metric,
    below: input.below,
    withinMs: input.withinMs,
  }
  const picked = pickFault(input.faults, input.fault)
  if ('reason' in picked) {
    return invalid(base, input.fault ?? '', 0, picked.reason)
  }
  const name = faultLabel(picked)
  const end = picked.end
  if (end === undefined) {
    return invalid(base, name, 0, `fault "${name}" was never reverted`)
  }
  const samples = sorted(input.samples)
  const fromInjection = samples.filter((s) => s.t >= picked.start)
  const after = fromInjection.filter((s) => s.t >= end)
  if (after.length === 0) {
    return invalid(
      base,
      name,
      end,
      `no sample of ${input.metric} after "${name}" ended (the metric source failed or the run ended first)`
    )
  }
  let peak = fromInjection[0]!
  for (const s of fromInjection) {
    if (s.value > peak.value) {
      peak = s
    }
  }
  const drained = after.find((s) => s.value < input.below)
  const common = { ...base, fault: name, faultEndedAt: end, peak: peak.value, peakAt: peak.t }
  if (drained === undefined) {
    const last = after[after.length - 1]!
    const short = last.t - end < input.withinMs ? ' (the samples stop before the deadline)' : ''
    return {
      ...common,
      valid: false,
      reason: `never below ${formatMetricValue(input.below)} within ${formatMs(input.withinMs)} after "${name}" ended: last reading ${formatMetricValue(last.value)}, ${formatMs(last.t - end)} after it ended${short}`,
    }
  }
  const drainMs = drained.t - end
  const valid = drainMs <= input.withinMs
  return {
    ...common,
    valid,
    drainedAt: drained.t,
    drainMs,
    drainedValue: drained.value,
    ...(valid
      ? {}
      : {
          reason: `drained to ${formatMetricValue(drained.value)} < ${formatMetricValue(input.below)} only ${formatMs(drainMs)} after "${name}" ended, later than ${formatMs(input.withinMs)}`,
        }),
  }
}

function invalid(
  base: Pick<BacklogCheckResult, 'type' | 'metric' | 'below' | 'withinMs'>,
  fault: string,
  faultEndedAt: number,
  reason: string
): BacklogCheckResult {
  return { ...base, valid: false, fault, faultEndedAt, peak: 0, peakAt: 0, reason }
}
