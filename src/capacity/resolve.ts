/**
 * Manifest `capacity:` input → CapacitySpec with every default applied, and the checks its
 * schema cannot express (threshold grammar, start ≤ max, warm-up shorter than a trial).
 * @module
 */
import type { Fault } from '../experiment/model.js'
import { loadIssues, resolveLoad, type LoadIssue } from '../load/resolve.js'
import type { LoadInput } from '../load/schema.js'
import { parseDuration } from '../shared/duration.js'
import { withDefaultThreshold } from './default-threshold.js'
import { CAPACITY_DEFAULTS, parsePercent, type CapacityInput } from './schema.js'
import type { CapacitySpec } from './spec.js'

type FaultInput = Fault['params']

export function resolveCapacity(input: CapacityInput, stepId: string): CapacitySpec {
  // A load step's resolver, given a placeholder rate and duration the trials replace.
  const load = resolveLoad({
    ...(input.load as LoadInput),
    rate: 1,
    duration: '1s',
    thresholds: input.thresholds as LoadInput['thresholds'],
  })
  const fault = input.fault as FaultInput | undefined
  const maxLoss = input.expect?.maxLoss
  return {
    load: { ...load, thresholds: [] },
    thresholds: withDefaultThreshold(load.thresholds),
    start: input.start ?? CAPACITY_DEFAULTS.start,
    max: input.max ?? CAPACITY_DEFAULTS.max,
    growth: input.growth ?? CAPACITY_DEFAULTS.growth,
    precision: parsePercent(input.precision ?? CAPACITY_DEFAULTS.precision),
    trialMs: ms(input.trial ?? CAPACITY_DEFAULTS.trial),
    warmupMs: ms(input.warmup ?? CAPACITY_DEFAULTS.warmup),
    repeat: input.repeat ?? CAPACITY_DEFAULTS.repeat,
    ...(fault === undefined
      ? {}
      : {
          fault: {
            id: `${stepId}/fault`,
            type: fault.type,
            afterMs: 0,
            durationMs: ms(fault.duration ?? '0s'),
            params: fault,
          },
        }),
    faultMode: input.faultMode ?? CAPACITY_DEFAULTS.faultMode,
    ...(input.expect === undefined
      ? {}
      : {
          expect: {
            ...(input.expect.atLeast === undefined ? {} : { atLeast: input.expect.atLeast }),
            ...(maxLoss === undefined ? {} : { maxLossPercent: parsePercent(maxLoss) * 100 }),
          },
        }),
  }
}

/** Problems the schema does not catch, as paths inside the `capacity` object. */
export function capacityIssues(input: CapacityInput): LoadIssue[] {
  const issues: LoadIssue[] = loadIssues({
    ...(input.load as LoadInput),
    thresholds: input.thresholds as LoadInput['thresholds'],
  }).map((i) => ({
    path: i.path[0] === 'thresholds' ? i.path : ['load', ...i.path],
    message: i.message,
  }))
  const start = input.start ?? CAPACITY_DEFAULTS.start
  const max = input.max ?? CAPACITY_DEFAULTS.max
  if (max < start) {
    issues.push({ path: ['max'], message: `must be at least start (${start})` })
  }
  const precision = parsePercent(input.precision ?? CAPACITY_DEFAULTS.precision)
  if (!(precision > 0 && precision < 1)) {
    issues.push({ path: ['precision'], message: 'must be above 0 % and below 100 %' })
  }
  const trialMs = parseDuration(input.trial ?? CAPACITY_DEFAULTS.trial) ?? 0
  const warmupMs = parseDuration(input.warmup ?? CAPACITY_DEFAULTS.warmup) ?? 0
  if (trialMs - warmupMs < 1000) {
    issues.push({
      path: ['trial'],
      message: `must be at least 1s longer than warmup (${input.warmup ?? CAPACITY_DEFAULTS.warmup}): a trial is judged on whole seconds after it`,
    })
  }
  const fault = input.fault as { after?: unknown } | undefined
  if (fault?.after !== undefined) {
    // The fault phase starts when the baseline's search ends; a delay would be ignored.
    issues.push({
      path: ['fault', 'after'],
      message:
        'is not supported in a capacity step: the fault phase starts when the baseline search ends',
    })
  }
  const maxLoss = input.expect?.maxLoss
  if (input.expect !== undefined && input.fault === undefined) {
    issues.push({ path: ['expect'], message: 'needs a fault: it is about the fault phase' })
  }
  if (maxLoss !== undefined && parsePercent(maxLoss) > 1) {
    issues.push({ path: ['expect', 'maxLoss'], message: 'must be at most 100%' })
  }
  return issues
}

function ms(text: string): number {
  return parseDuration(text) ?? 0
}
