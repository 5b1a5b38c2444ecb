/**
 * What a capacity step will do, before it runs: the most trials it can take (the plan's
 * length and the dry run) and its one-line description.
 * @module
 */
import { formatDuration } from '../shared/duration.js'
import type { CapacitySpec } from './spec.js'

/** Trials of one phase at most: the ramp to max, then halvings of the widest bracket. */
export function maxTrialsPerPhase(spec: CapacitySpec): number {
  const ramp = Math.ceil(Math.log(spec.max / spec.start) / Math.log(spec.growth)) + 1
  const bisect = Math.max(0, Math.ceil(Math.log2((spec.growth - 1) / spec.precision)) + 1)
  return (ramp + bisect) * spec.repeat
}

/** The longest the step can take, both phases. */
export function maxCapacityMs(spec: CapacitySpec): number {
  return maxTrialsPerPhase(spec) * spec.trialMs * (spec.fault ? 2 : 1)
}

export function describeCapacity(spec: CapacitySpec): string {
  const { load } = spec
  const fault = spec.fault
    ? `, then again with ${spec.fault.type} (${spec.faultMode === 'held' ? `held up to ${formatDuration(spec.fault.durationMs)}` : 'per trial'})`
    : ''
  return (
    `capacity ${load.method} ${load.url}: ${spec.start}→${spec.max} req/s ×${spec.growth}, ` +
    `±${Math.round(spec.precision * 1000) / 10} %, trials of ${formatDuration(spec.trialMs)} ` +
    `(${formatDuration(spec.warmupMs)} warm-up)${spec.repeat > 1 ? ` ×${spec.repeat}` : ''}, ` +
    `at most ${maxTrialsPerPhase(spec)} trials per phase${fault}`
  )
}
