/**
 * Open-model due times: when request `i` is due, whatever the system does.
 *
 * - Constant arrival (k6 `constant-arrival-rate`): request `i` is due at `i / rate`, so the
 *   first one goes at 0 and a run sends `ceil(rate × duration)` requests.
 * - Ramping arrival (k6 `ramping-arrival-rate`): the rate moves linearly from `startRate`
 *   through each stage's target; request `i` is due when the integral of the rate reaches
 *   `i + 1`, as in k6's `cal()`. Integrating across stages is what carries a fractional
 *   iteration from one stage into the next instead of losing it.
 * @module
 */
import type { LoadSpec } from './contract.js'

export type ScheduleSpec = Pick<
  LoadSpec,
  'rate' | 'startRate' | 'stages' | 'durationMs' | 'concurrency'
>

export interface Schedule {
  /** How many requests the whole load sends (if nothing is dropped). */
  readonly total: number
  /** Milliseconds after t0 at which request `i` (0-based, `i < total`) is due. */
  dueAt(i: number): number
  /** Average scheduled rate over the duration (requests per second). */
  readonly targetRate: number
  /** The highest rate the schedule reaches (requests per second). */
  readonly peakRate: number
}

interface Segment {
  startMs: number
  durationMs: number
  /** Rates in requests per millisecond at the segment's start and end. */
  from: number
  to: number
  /** Requests scheduled before this segment (the integral up to startMs). */
  areaBefore: number
  area: number
}

// Floating-point integrals of whole numbers (e.g. 3 stages adding to 150.0000000001) must not
// gain or lose a request.
const kEpsilon = 1e-9

export function createSchedule(spec: ScheduleSpec): Schedule {
  if (spec.concurrency !== undefined) {
    // Closed loop: no due times; each connection sends again as soon as it is answered.
    return { total: Number.POSITIVE_INFINITY, dueAt: () => 0, targetRate: 0, peakRate: 0 }
  }
  if (spec.stages !== undefined) {
    return rampingSchedule(spec.startRate, spec.stages)
  }
  const rate = spec.rate ?? 0
  if (!(rate > 0)) {
    throw new RangeError('a constant-rate load needs a rate above 0')
  }
  const total = Math.ceil((rate * spec.durationMs) / 1000 - kEpsilon)
  return {
    total: Math.max(0, total),
    dueAt: (i) => (i * 1000) / rate,
    targetRate: rate,
    peakRate: rate,
  }
}

function rampingSchedule(startRate: number, stages: NonNullable<LoadSpec['stages']>): Schedule {
  const segments: Segment[] = []
  let startMs = 0
  let from = startRate / 1000
  let areaBefore = 0
  let peak = startRate
  for (const stage of stages) {
    const to = stage.target / 1000
    const area = ((from + to) / 2) * stage.durationMs
    segments.push({ startMs, durationMs: stage.durationMs, from, to, areaBefore, area })
    startMs += stage.durationMs
    areaBefore += area
    from = to
    peak = Math.max(peak, stage.target)
  }
  const total = Math.max(0, Math.floor(areaBefore + kEpsilon))
  let cursor = 0
  return {
    total,
    targetRate: startMs > 0 ? (total * 1000) / startMs : 0,
    peakRate: peak,
    dueAt(i) {
      const target = i + 1
      // Requests are asked for in order, so the cursor only moves forward (binary search is not
      // worth it); it restarts when a caller goes back.
      if (cursor >= segments.length || segments[cursor]!.areaBefore > target) {
        cursor = 0
      }
      while (
        cursor < segments.length - 1 &&
        segments[cursor]!.areaBefore + segments[cursor]!.area < target - kEpsilon
      ) {
        cursor++
      }
      const segment = segments[cursor]!
      const offset = timeForArea(segment, Math.max(0, target - segment.areaBefore))
      return segment.startMs + Math.min(offset, segment.durationMs)
    },
  }
}

/**
 * Time into a segment at which `area` requests have been scheduled: the root of
 * `from·x + (to − from)·x² / (2D) = area`. Written as `2A / (from + √(from² + 2(to − from)A/D))`,
 * which stays exact when `from` is 0 or `from = to` and has no cancellation on ramps down.
 */
export function timeForArea(segment: Pick<Segment, 'from' | 'to' | 'durationMs'>, area: number) {
  const { from, to, durationMs } = segment
  if (area <= 0) {
    return 0
  }
  const discriminant = from * from + (2 * (to - from) * area) / durationMs
  const denominator = from + Math.sqrt(Math.max(0, discriminant))
  return denominator > 0 ? (2 * area) / denominator : durationMs
}
