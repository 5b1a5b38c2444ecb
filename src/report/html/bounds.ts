/**
 * Keeping the report's size bounded whatever the run's length: series above a point budget are
 * bucketed, findings and probe attempts capped. Pure, so node:test checks the bounds directly.
 * @module
 */
import type { LoadSeries } from '../../shared/run-view.js'

/** Load points kept: an hour of per-second ticks still fits whole. */
export const MAX_LOAD_POINTS = 3600
/** Samples kept per metric (as min/max pairs once bucketed). */
export const MAX_METRIC_POINTS = 4000
/** Findings placed per kind per check; the rest are counted. */
export const MAX_FINDINGS = 1000
/** Attempts kept per probe. */
export const MAX_PROBE_ATTEMPTS = 600

/**
 * Load ticks merged `k` at a time until at most `max` remain: rates are averaged (still per
 * second), latency percentiles take the worst of the bucket, as parallel loads merge them
 * (percentiles cannot be averaged, and a spike must not vanish). Returns the bucket width.
 */
export function bucketLoad(s: LoadSeries, max = MAX_LOAD_POINTS): { load: LoadSeries; k: number } {
  const n = s.time.length
  if (n <= max) {
    return { load: s, k: 1 }
  }
  const k = Math.ceil(n / max)
  const out: LoadSeries = {
    time: [],
    sent: [],
    ok: [],
    errors: [],
    dropped: [],
    p50: [],
    p95: [],
    p99: [],
    inFlight: [],
  }
  for (let i = 0; i < n; i += k) {
    const end = Math.min(n, i + k)
    const m = end - i
    const sum = (a: number[]) => {
      let total = 0
      for (let j = i; j < end; j++) {
        total += a[j]!
      }
      return total / m
    }
    const worst = (a: number[]) => {
      let w = 0
      for (let j = i; j < end; j++) {
        w = Math.max(w, a[j]!)
      }
      return w
    }
    out.time.push(s.time[i]!)
    out.sent.push(sum(s.sent))
    out.ok.push(sum(s.ok))
    out.errors.push(sum(s.errors))
    out.dropped.push(sum(s.dropped))
    out.inFlight.push(sum(s.inFlight))
    out.p50.push(worst(s.p50))
    out.p95.push(worst(s.p95))
    out.p99.push(worst(s.p99))
  }
  return { load: out, k }
}

/**
 * A metric bucketed to at most `max` points by keeping each bucket's lowest and highest sample
 * in time order: a backlog's peak and a dump rate's dip, the two things the checks judge, both
 * survive (an average would flatten them).
 */
export function bucketMinMax(
  t: number[],
  v: number[],
  max = MAX_METRIC_POINTS
): { t: number[]; v: number[] } {
  const n = t.length
  if (n <= max) {
    return { t, v }
  }
  const k = Math.ceil(n / Math.floor(max / 2))
  const ot: number[] = []
  const ov: number[] = []
  for (let i = 0; i < n; i += k) {
    const end = Math.min(n, i + k)
    let lo = i
    let hi = i
    for (let j = i + 1; j < end; j++) {
      if (v[j]! < v[lo]!) {
        lo = j
      }
      if (v[j]! > v[hi]!) {
        hi = j
      }
    }
    for (const j of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      ot.push(t[j]!)
      ov.push(v[j]!)
    }
  }
  return { t: ot, v: ov }
}

/**
 * At most `max` items, chosen to keep the story: every item `keep` says must stay (failures,
 * changes of outcome) comes first, then evenly spaced others; the result is in original order.
 */
export function capKeeping<T>(items: T[], max: number, keep: (item: T, i: number) => boolean): T[] {
  if (items.length <= max) {
    return items
  }
  const chosen = new Set<number>()
  for (let i = 0; i < items.length && chosen.size < max; i++) {
    if (keep(items[i]!, i)) {
      chosen.add(i)
    }
  }
  const room = max - chosen.size
  if (room > 0) {
    const step = items.length / room
    for (let j = 0; j < room; j++) {
      chosen.add(Math.floor(j * step))
    }
  }
  return [...chosen].sort((a, b) => a - b).map((i) => items[i]!)
}
