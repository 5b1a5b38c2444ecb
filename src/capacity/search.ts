/**
 * The capacity search of one phase, pure and clock-free: a ramp (start, start × growth, ...)
 * until a rate fails, which brackets the capacity, then a bisection of [last pass, first fail]
 * until (high − low) / low ≤ precision. Rates are whole requests per second, never above `max`.
 * The trials themselves are the caller's (`trial(rate)`): a real load in trial.ts, an oracle in
 * the tests.
 * @module
 */
import type { CapacityPhase, CapacityPhaseResult, CapacityTrial } from '../shared/capacity.js'

/** What one trial measured; the search adds phase, index, stage and rate. */
export type TrialOutcome = Omit<CapacityTrial, 'phase' | 'index' | 'stage' | 'rate'> & {
  /**
   * The generator, not the system, could not send the rate (it fell short and said why): the
   * search cannot learn anything above this and stops.
   */
  generatorLimited?: boolean
}

export interface SearchParams {
  phase: CapacityPhase
  /** First rate of the ramp, req/s. */
  start: number
  /** Never above, req/s. */
  max: number
  /** Ramp factor, > 1. */
  growth: number
  /** Relative precision, e.g. 0.05. */
  precision: number
  /** Trials per rate; a rate passes only if every one passes. */
  repeat: number
}

export interface SearchHooks {
  /** Runs one trial at `rate`; resolves `undefined` when the phase was cut off meanwhile. */
  trial(rate: number, stage: CapacityTrial['stage']): Promise<TrialOutcome | undefined>
  /** Each trial as it ends (journal, CLI line). */
  onTrial?(trial: CapacityTrial): void
}

export interface SearchResult {
  result: CapacityPhaseResult
  trials: CapacityTrial[]
  /** Set when the phase ended before the search did (the fault's duration ran out). */
  cutShort: boolean
}

/** Why a search cannot start, in words; undefined when the parameters are usable. */
export function searchParamsIssue(p: Omit<SearchParams, 'phase'>): string | undefined {
  if (!(p.start >= 1)) {
    return 'start must be at least 1 req/s'
  }
  if (!(p.max >= p.start)) {
    return 'max must be at least start'
  }
  if (!(p.growth > 1)) {
    return 'growth must be above 1'
  }
  if (!(p.precision > 0 && p.precision < 1)) {
    return 'precision must be between 0 % and 100 %'
  }
  if (!(Number.isInteger(p.repeat) && p.repeat >= 1)) {
    return 'repeat must be a whole number ≥ 1'
  }
  return undefined
}

export async function searchCapacity(p: SearchParams, hooks: SearchHooks): Promise<SearchResult> {
  const trials: CapacityTrial[] = []
  const max = Math.max(1, Math.floor(p.max))
  let low: number | null = null
  let high: number | null = null
  let errorsFrom: number | undefined
  let limit: (TrialOutcome & { rate: number }) | undefined
  let cutShort = false

  /** Every repetition at `rate`; true when all passed, undefined when the search must stop. */
  const judge = async (rate: number, stage: 'ramp' | 'bisect'): Promise<boolean | undefined> => {
    for (let r = 0; r < p.repeat; r++) {
      const outcome = await hooks.trial(rate, r === 0 ? stage : 'repeat')
      if (outcome === undefined) {
        cutShort = true
        return undefined
      }
      const { generatorLimited, ...measured } = outcome
      const trial: CapacityTrial = {
        phase: p.phase,
        index: trials.length,
        stage: r === 0 ? stage : 'repeat',
        rate,
        ...measured,
      }
      trials.push(trial)
      hooks.onTrial?.(trial)
      if (trial.errorRate > 0) {
        errorsFrom = Math.min(errorsFrom ?? rate, rate)
      }
      if (generatorLimited) {
        limit = { ...outcome, rate }
        return undefined
      }
      if (!trial.passed) {
        return false
      }
    }
    return true
  }

  // The ramp: grow until a rate fails or max passes.
  let rate = Math.min(max, Math.max(1, Math.round(p.start)))
  for (;;) {
    const passed = await judge(rate, 'ramp')
    if (passed === undefined) {
      return finish()
    }
    if (!passed) {
      high = rate
      break
    }
    low = rate
    if (rate >= max) {
      return finish()
    }
    // At least +1 so a small start with a small growth still moves.
    rate = Math.min(max, Math.max(rate + 1, Math.round(rate * p.growth)))
  }
  // The bisection: low passed, high failed.
  while (low !== null && high - low > 1 && (high - low) / low > p.precision) {
    const mid = Math.round((low + high) / 2)
    const passed = await judge(mid, 'bisect')
    if (passed === undefined) {
      return finish()
    }
    if (passed) {
      low = mid
    } else {
      high = mid
    }
  }
  return finish()

  function finish(): SearchResult {
    const generatorLimit = limit === undefined ? undefined : Math.floor(limit.achieved)
    // Never above what the generator could send (a capacity above it was never tried).
    const sustainable =
      low === null || generatorLimit === undefined ? low : Math.min(low, generatorLimit)
    const note =
      generatorLimit !== undefined
        ? `the load generator's own limit stopped the search at ${generatorLimit} req/s sent of ${limit?.rate ?? '?'} asked; the system's capacity may be higher`
        : cutShort
          ? 'the phase was cut short before the search ended; the answer is the best known so far'
          : undefined
    return {
      result: {
        phase: p.phase,
        sustainable,
        bracket: { low, high },
        ...(errorsFrom === undefined ? {} : { errorsFrom }),
        generatorLimited: generatorLimit !== undefined,
        ...(generatorLimit === undefined ? {} : { generatorLimit }),
        trials: trials.length,
        ...(note === undefined ? {} : { note }),
      },
      trials,
      cutShort,
    }
  }
}
