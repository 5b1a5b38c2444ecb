/**
 * A capacity step's `expect`: the hypothesis about its fault phase. Not met → the step fails
 * (the run's verdict is `fail`, the step scores 0); absent → the step passes when the search
 * completed.
 * @module
 */
import type { CapacityPhaseResult, CapacityResult } from '../shared/capacity.js'
import type { CapacitySpec } from './spec.js'

/**
 * Why a phase's sustainable rate is only a lower bound of the system's capacity, or undefined
 * when it is the answer: the generator could send no more, no trial failed up to max, or the
 * phase was cut short.
 */
export function lowerBound(phase: CapacityPhaseResult): string | undefined {
  if (phase.sustainable === null) {
    return undefined
  }
  if (phase.generatorLimited) {
    return `the load generator's limit (${phase.generatorLimit ?? phase.sustainable} req/s) stopped the search`
  }
  if (phase.bracket.high === null) {
    return 'no trial failed up to max'
  }
  return phase.note === undefined ? undefined : phase.note
}

/** Why the loss between the phases cannot be measured, or undefined when it can. */
export function changeUnknown(baseline: CapacityPhaseResult): string | undefined {
  const why = lowerBound(baseline)
  return why === undefined
    ? undefined
    : `the loss could not be measured: the baseline is only a lower bound (${why})`
}

export function judgeExpectation(
  expect: NonNullable<CapacitySpec['expect']>,
  result: Pick<CapacityResult, 'baseline' | 'fault' | 'changePercent' | 'changeUnknown'>
): NonNullable<CapacityResult['expectation']> {
  const base = {
    ...(expect.atLeast === undefined ? {} : { atLeast: expect.atLeast }),
    ...(expect.maxLossPercent === undefined ? {} : { maxLossPercent: expect.maxLossPercent }),
  }
  const after = result.fault?.sustainable ?? null
  if (expect.atLeast !== undefined && (after === null || after < expect.atLeast)) {
    return {
      ...base,
      met: false,
      reason: `with the fault it sustained ${after === null ? 'not even the start rate' : `${after} req/s`}, expected at least ${expect.atLeast} req/s`,
    }
  }
  if (expect.maxLossPercent !== undefined) {
    if (result.changeUnknown !== undefined) {
      return { ...base, met: false, unknown: true, reason: result.changeUnknown }
    }
    const loss = result.changePercent === undefined ? undefined : -result.changePercent
    if (loss === undefined) {
      return {
        ...base,
        met: false,
        reason: 'the loss could not be measured (no capacity found in one of the phases)',
      }
    }
    if (loss > expect.maxLossPercent) {
      return {
        ...base,
        met: false,
        reason: `the fault cost ${loss} % of the capacity, expected at most ${expect.maxLossPercent} %`,
      }
    }
  }
  return { ...base, met: true }
}
