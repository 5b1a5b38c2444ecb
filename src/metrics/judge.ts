/**
 * The engine's side of the `backlog` and `recovery` checks: their samples come from the
 * journal's `metric.sample` events, their fault windows from its inject / revert events.
 * @module
 */
import type { z } from 'zod'
import type { JournalEvent } from '../engine/events.js'
import type { FaultWindow } from '../checks/contract.js'
import type { BacklogCheckResult, MetricSample, RecoveryCheckResult } from '../shared/metrics.js'
import {
  DEFAULT_RECOVERY_BASELINE,
  ratioOf,
  type backlogCheckSchema,
  type recoveryCheckSchema,
} from '../checks/metric-schema.js'
import { checkBacklog } from '../checks/backlog.js'
import { checkRecovery } from '../checks/recovery.js'
import { parseDuration } from '../shared/duration.js'

export type MetricCheckParams =
  z.input<typeof backlogCheckSchema> | z.input<typeof recoveryCheckSchema>

export function isMetricCheck(params: { type: string }): params is MetricCheckParams {
  return params.type === 'backlog' || params.type === 'recovery'
}

/** The samples of metric `name`, in journal order (the sampler's order). */
export function samplesOf(events: readonly JournalEvent[], name: string): MetricSample[] {
  return events.flatMap((e) => (e.type === 'metric.sample' && e.name === name ? [e.sample] : []))
}

export function judgeMetricCheck(
  params: MetricCheckParams,
  events: readonly JournalEvent[],
  faults: readonly FaultWindow[]
): BacklogCheckResult | RecoveryCheckResult {
  const common = {
    metric: params.metric,
    samples: samplesOf(events, params.metric),
    faults,
    ...(params.fault === undefined ? {} : { fault: params.fault }),
    withinMs: parseDuration(params.within) ?? 0,
  }
  if (params.type === 'backlog') {
    return checkBacklog({ ...common, below: params.below })
  }
  return checkRecovery({
    ...common,
    atLeast: ratioOf(params.atLeast) ?? 1,
    baselineMs: parseDuration(params.baseline ?? DEFAULT_RECOVERY_BASELINE) ?? 0,
  })
}
