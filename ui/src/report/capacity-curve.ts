/**
 * The capacity curve's aligned series, DOM-free so Node tests can import it. Trials at the same
 * rate (repeats) are merged by their worst figures, as the search judges them.
 */
import type { CapacityPhase, CapacityTrial } from '../../../src/shared/capacity.js'

export interface CapacityCurve {
  rates: number[]
  /** Per phase, aligned with `rates` (null where that phase had no trial at the rate). */
  p50: Record<CapacityPhase, (number | null)[]>
  p99: Record<CapacityPhase, (number | null)[]>
  errorRate: Record<CapacityPhase, (number | null)[]>
  /** Per phase, aligned with `rates`: a trial there had no request complete at all. */
  noCompletion: Record<CapacityPhase, boolean[]>
}

/**
 * A trial in which nothing completed: the judge writes 0 for its percentiles and error rate
 * (src/capacity/judge.ts), which would draw a hung system as "0 ms, 0 % failed". Any completion
 * gives a non-zero throughput (a success), error rate (a failure) or p99 (its time).
 */
export function completedNothing(t: CapacityTrial): boolean {
  return t.throughput === 0 && t.errorRate === 0 && t.p99 === 0
}

/** Pure: the aligned series of the curve from the trials. */
export function capacityCurve(trials: CapacityTrial[]): CapacityCurve {
  const rates = [...new Set(trials.map((t) => t.rate))].sort((a, b) => a - b)
  const at = new Map(rates.map((r, i) => [r, i]))
  const empty = () => rates.map(() => null as number | null)
  const curve: CapacityCurve = {
    rates,
    p50: { baseline: empty(), fault: empty() },
    p99: { baseline: empty(), fault: empty() },
    errorRate: { baseline: empty(), fault: empty() },
    noCompletion: { baseline: rates.map(() => false), fault: rates.map(() => false) },
  }
  for (const t of trials) {
    const i = at.get(t.rate)!
    if (completedNothing(t)) {
      // No figure to plot: a gap in the lines, and a mark at the rate instead.
      curve.noCompletion[t.phase][i] = true
      continue
    }
    const worst = (a: (number | null)[], v: number) => (a[i] = Math.max(a[i] ?? -Infinity, v))
    worst(curve.p50[t.phase], t.p50)
    worst(curve.p99[t.phase], t.p99)
    worst(curve.errorRate[t.phase], t.errorRate * 100)
  }
  return curve
}
