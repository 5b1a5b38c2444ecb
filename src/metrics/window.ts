/**
 * Which `backlog` / `recovery` checks still need readings after the steps end, and until when.
 * A check whose fault is the last step has no reading after the revert when the steps end; the
 * run keeps sampling until the fault's revert + `within` (+ one interval, so a reading lands at
 * or past the deadline) or until the check's outcome can no longer change. Pure: the caller
 * passes the journal's samples and fault windows.
 * @module
 */
import type { FaultWindow } from '../checks/contract.js'
import { pickFault, sorted } from '../checks/metric-fault.js'
import { DEFAULT_RECOVERY_BASELINE, ratioOf } from '../checks/metric-schema.js'
import { parseDuration } from '../shared/duration.js'
import type { MetricSample } from '../shared/metrics.js'
import type { MetricCheckParams } from './judge.js'

/** A check still waiting for readings. */
export interface PendingWindow {
  metric: string
  goal: 'drain' | 'recover'
  /** ms since the epoch: past it, more readings cannot change the verdict. */
  until: number
}

/**
 * The check's pending window, or undefined when waiting cannot change its outcome: already
 * drained / recovered after the revert, no fault or a never-reverted one, no baseline, past
 * the window.
 */
export function pendingWindow(
  params: MetricCheckParams,
  samples: readonly MetricSample[],
  faults: readonly FaultWindow[],
  intervalMs: number,
  now: number
): PendingWindow | undefined {
  const picked = pickFault(faults, params.fault)
  if ('reason' in picked || picked.end === undefined) {
    return undefined
  }
  const end = picked.end
  const until = end + (parseDuration(params.within) ?? 0) + intervalMs
  if (now >= until) {
    return undefined
  }
  const inOrder = sorted(samples)
  const after = inOrder.filter((s) => s.t >= end)
  if (params.type === 'backlog') {
    return after.some((s) => s.value < params.below)
      ? undefined
      : { metric: params.metric, goal: 'drain', until }
  }
  const baselineMs = parseDuration(params.baseline ?? DEFAULT_RECOVERY_BASELINE) ?? 0
  const baseline = inOrder.filter((s) => s.t >= picked.start - baselineMs && s.t < picked.start)
  if (baseline.length === 0) {
    return undefined // invalid whatever comes next: no "before" to recover to
  }
  const before = baseline.reduce((sum, s) => sum + s.value, 0) / baseline.length
  if (before <= 0) {
    return undefined
  }
  const target = (ratioOf(params.atLeast) ?? 1) * before
  return after.some((s) => s.value >= target)
    ? undefined
    : { metric: params.metric, goal: 'recover', until }
}

/** `waiting up to 30 s for queue-depth to drain and dump-rate to recover` */
export function waitingMessage(pending: readonly PendingWindow[], waitText: string): string {
  const goals = [...new Set(pending.map((p) => `${p.metric} to ${p.goal}`))]
  return `waiting up to ${waitText} for ${goals.join(' and ')}`
}
