/**
 * Judges a trial on its steady part: the LoadTicks from the end of the warm-up to the end of
 * the trial. Thresholds use the load steps' k6 syntax (load/thresholds.ts).
 *
 * Every request sent is accounted for: one answered after the trial ended (the drain, the
 * ticks past its end) is judged with the latency it had and one that timed out is a failure,
 * so a system that stalls cannot pass by not answering. A system that does not keep up (it
 * has answered fewer than KEEP_UP of what was sent by the end of the steady part), or that answers nothing,
 * fails the trial whatever the thresholds say: not keeping up is what unsustainable means.
 *
 * Latency aggregations are exact: the per-second HdrHistograms of the judged seconds are
 * merged (`latency`, built by trial.ts), never a mean of per-second percentiles. Without one
 * (a caller that has only ticks) the worst second's figure is used, which is never lower.
 * http_req_service_duration is judged on response time, which is never lower either.
 * @module
 */
import type { LoadTick } from '../load/contract.js'
import { aggregate, type Histogram } from '../load/histograms.js'
import {
  evaluateThreshold,
  type Aggregation,
  type MetricSource,
  type ParsedThreshold,
} from '../load/thresholds.js'
import type { TrialOutcome } from './search.js'

/** Below this share of the requests sent answered by the end of the steady part, the system lags. */
export const KEEP_UP = 0.95
/** In flight at the end that is not a lag: what 200 ms of the rate puts in flight. */
export const KEEP_UP_SLACK_MS = 200
/** Below this share of the asked rate, a generator that says it was short is the limit. */
export const GENERATOR_SHORTFALL = 0.95
/** Dropped requests (maxInFlight reached) beyond this share of the offered ones fail a trial. */
export const MAX_DROPPED = 0.01
/**
 * A generator warning (load/warnings.ts) that means a limit: CPU-bound for seconds, or a
 * schedule lag still growing at the end. One late timer (a GC pause, a busy machine) is not,
 * nor is a warning about the system (dropped requests).
 */
const kGeneratorWarning = /load generator (could not keep up: .* and growing|was CPU-bound)/

export interface JudgeInput {
  rate: number
  ticks: readonly LoadTick[]
  warmupMs: number
  trialMs: number
  thresholds: readonly ParsedThreshold[]
  /** The load's own warnings (LoadSummary.warnings). */
  warnings: readonly string[]
  /**
   * Requests sent or dropped per second over the whole trial (LoadSummary): whether the
   * generator kept the rate is judged on all of it, as one steady second is too noisy a count.
   */
  offeredRate?: number
  /**
   * Response times (µs, from the intended send) of every completion from the end of the
   * warm-up on, the drain included: the exact percentiles. Absent: the worst second's figure.
   */
  latency?: Histogram
  /** Set when the trial was stopped early, with why. */
  stoppedEarly?: string
  startedAt: number
  endedAt: number
}

/** The seconds judged: from the end of the warm-up to the end of the trial. */
export function steadyTicks(ticks: readonly LoadTick[], warmupMs: number, trialMs: number) {
  const from = Math.ceil(warmupMs / 1000)
  const to = Math.max(from + 1, Math.floor(trialMs / 1000))
  return ticks.filter((t) => t.second >= from && t.second < to)
}

export function judgeTrial(input: JudgeInput): TrialOutcome {
  const steady = steadyTicks(input.ticks, input.warmupMs, input.trialMs)
  const seconds = Math.max(1, steady.length)
  const source = judgedSource(input)
  const inWindow = tickSource(steady)
  const sent = source.sent
  const offered = sent + source.dropped
  const achieved = sent / seconds
  const measured = {
    achieved: round(achieved),
    throughput: round((inWindow.completed - inWindow.failed) / seconds),
    errorRate: source.completed === 0 ? 0 : round(source.failed / source.completed, 4),
    p50: round(source.trend('http_req_duration', { kind: 'med' }) ?? 0),
    p99: round(source.trend('http_req_duration', { kind: 'p', percentile: 99 }) ?? 0),
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    stoppedEarly: input.stoppedEarly !== undefined,
  }
  // First: a generator short of the rate makes everything else (latency from the intended
  // send, an early stop) a measure of the generator, not of the system.
  if (
    (input.offeredRate ?? offered / seconds) < GENERATOR_SHORTFALL * input.rate &&
    input.warnings.some((w) => kGeneratorWarning.test(w))
  ) {
    return {
      ...measured,
      achieved: round(input.offeredRate ?? achieved),
      passed: false,
      generatorLimited: true,
      reason: `the load generator's limit: it sent ${Math.round(input.offeredRate ?? achieved)} of ${input.rate} req/s`,
    }
  }
  if (input.stoppedEarly !== undefined) {
    return { ...measured, passed: false, reason: input.stoppedEarly }
  }
  if (sent > 0 && inWindow.completed === 0) {
    return { ...measured, passed: false, reason: `no answer to any of ${sent} requests` }
  }
  if (offered > 0 && source.dropped / offered > MAX_DROPPED) {
    return {
      ...measured,
      passed: false,
      reason: `${source.dropped} of ${offered} requests dropped (maxInFlight reached: the system answers too slowly for this rate)`,
    }
  }
  // Over the whole trial up to the end of its steady part, not the steady seconds alone: a
  // backlog that grows does so all along, while a pause of the system (or of this machine)
  // leaves a fixed one, which a window of one or two seconds would take for a lag.
  const upToEnd = tickSource(input.ticks.filter((t) => t.second <= (steady.at(-1)?.second ?? -1)))
  // Less what a system answering in KEEP_UP_SLACK_MS always holds in flight (Little's law),
  // which on few requests is more than 5 %.
  const lag = upToEnd.sent - upToEnd.completed
  if (
    (upToEnd.sent > 0 && upToEnd.completed === 0) ||
    lag > Math.max((1 - KEEP_UP) * upToEnd.sent, (input.rate * KEEP_UP_SLACK_MS) / 1000)
  ) {
    return {
      ...measured,
      passed: false,
      reason: `not keeping up: ${upToEnd.completed} of ${upToEnd.sent} requests sent were answered by the trial's end (below ${KEEP_UP * 100} %)`,
    }
  }
  for (const threshold of input.thresholds) {
    const result = evaluateThreshold(threshold, source)
    if (!result.ok) {
      return {
        ...measured,
        passed: false,
        reason: `${threshold.metric} '${threshold.expression}' (observed ${round(result.observed, result.observed < 1 ? 4 : 1)})`,
      }
    }
  }
  return { ...measured, passed: true }
}

/**
 * What the thresholds judge: the steady part's sends, and the completions from the end of the
 * warm-up on, the drain after the trial included (a late answer counts with its latency, a
 * timeout as a failure, one never answered as a failure).
 */
export function judgedSource(
  input: Pick<JudgeInput, 'ticks' | 'warmupMs' | 'trialMs' | 'latency'>
): MetricSource {
  const steady = steadyTicks(input.ticks, input.warmupMs, input.trialMs)
  const last = steady.at(-1)?.second ?? Number.POSITIVE_INFINITY
  const drain = input.ticks.filter((t) => t.second > last)
  const inWindow = tickSource(steady)
  const after = tickSource(drain)
  const unanswered = input.ticks.at(-1)?.inFlight ?? 0
  const { latency } = input
  return {
    ...inWindow,
    completed: inWindow.completed + after.completed + unanswered,
    failed: inWindow.failed + after.failed + unanswered,
    trend:
      latency === undefined
        ? (_metric, a) => worstSecond([...steady, ...drain], a)
        : (_metric, a) => aggregate(latency, a),
  }
}

/**
 * Whether one second past the warm-up has clearly failed: a threshold missed by far (a
 * failure rate ≥ 2 × its bound and ≥ 5 points above it; a latency ≥ 2 × its bound, counting a
 * request still in flight that is already that old). Returns why, or undefined.
 */
export function clearFailure(
  tick: LoadTick,
  thresholds: readonly ParsedThreshold[]
): string | undefined {
  const source = tickSource([tick])
  for (const t of thresholds) {
    if (t.operator !== '<' && t.operator !== '<=') {
      continue
    }
    if (t.metric === 'http_req_failed') {
      const observed = source.completed === 0 ? 0 : source.failed / source.completed
      if (observed >= Math.min(1, Math.max(2 * t.value, t.value + 0.05))) {
        return `${t.metric} '${t.expression}' far exceeded (${round(observed, 3)})`
      }
    } else if (t.metric === 'http_req_duration' || t.metric === 'http_req_service_duration') {
      const observed = Math.max(
        source.trend(t.metric, t.aggregation) ?? 0,
        tick.oldestInFlightMs ?? 0
      )
      if (observed >= 2 * t.value) {
        return `${t.metric} '${t.expression}' far exceeded (${round(observed)} ms)`
      }
    }
  }
  return undefined
}

/** Thresholds' view of some seconds of ticks. */
export function tickSource(ticks: readonly LoadTick[]): MetricSource {
  let sent = 0
  let ok = 0
  let failed = 0
  let dropped = 0
  for (const t of ticks) {
    sent += t.sent
    ok += t.ok
    failed += t.errors.http + t.errors.timeout + t.errors.connection
    dropped += t.dropped
  }
  return {
    trend: (_metric, a) => worstSecond(ticks, a),
    completed: ok + failed,
    failed,
    sent,
    dropped,
    elapsedSeconds: ticks.length,
  }
}

/**
 * Without histograms: the worst second's nearest figure at or above the aggregation (p50 for
 * med/avg/p ≤ 50, p95 up to p(95), p99 above; min the best second's p50). Never below the
 * exact value for med, p ≤ 99 and max; p(>99) and avg are not bounded this way, which is why
 * trials always pass histograms.
 */
function worstSecond(ticks: readonly LoadTick[], a: Aggregation): number | undefined {
  const seen = ticks.filter((t) => completions(t) > 0)
  if (seen.length === 0) {
    return undefined
  }
  switch (a.kind) {
    case 'med':
    case 'avg':
      return Math.max(...seen.map((t) => t.p50))
    case 'min':
      return Math.min(...seen.map((t) => t.p50))
    case 'max':
      return Math.max(...seen.map((t) => t.p99))
    case 'p': {
      const key = a.percentile <= 50 ? 'p50' : a.percentile <= 95 ? 'p95' : 'p99'
      return Math.max(...seen.map((t) => t[key]))
    }
    default:
      return undefined
  }
}

function completions(t: LoadTick): number {
  return t.ok + t.errors.http + t.errors.timeout + t.errors.connection
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
