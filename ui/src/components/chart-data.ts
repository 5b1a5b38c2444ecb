/**
 * The run chart's data, from the run view's load series: x in seconds since the run started
 * (the `+12.3 s` of the rest of the page), and gaps kept as gaps. A second in which no request
 * completed has no latency: its percentiles are `null` (uPlot breaks the line there) rather than
 * the 0 an empty histogram reports, which drew a p99 of 0 ms in the middle of a pause. A stretch
 * with no tick at all (the load generator itself stalled) gets a `null` row for the same reason.
 * Pure, so node:test checks it (chart-data.test.ts beside this file).
 */
import type { LoadSeries } from '../../../src/shared/run-view.js'

export interface ChartSeries {
  /** Seconds since the run started. */
  x: number[]
  ok: (number | null)[]
  errors: (number | null)[]
  dropped: (number | null)[]
  inFlight: (number | null)[]
  p50: (number | null)[]
  p95: (number | null)[]
  p99: (number | null)[]
}

/** Ticks come once a second; more than this between two means seconds are missing. */
const GAP_SECONDS = 1.5

/**
 * `startMs`: the run's start (ms epoch); the first tick's time when unknown. `gapSeconds`: a
 * longer step between two points is a gap (the HTML report's bucketed series are wider apart).
 */
export function chartSeries(
  load: LoadSeries,
  startMs: number | undefined,
  gapSeconds = GAP_SECONDS
): ChartSeries {
  const out: ChartSeries = {
    x: [],
    ok: [],
    errors: [],
    dropped: [],
    inFlight: [],
    p50: [],
    p95: [],
    p99: [],
  }
  const origin = startMs !== undefined ? startMs / 1000 : (load.time[0] ?? 0)
  let previous: number | undefined
  for (let i = 0; i < load.time.length; i++) {
    const x = load.time[i]! - origin
    if (previous !== undefined && x - previous > gapSeconds) {
      pushRow(out, previous + 1, null)
    }
    const ok = load.ok[i] ?? 0
    const errors = load.errors[i] ?? 0
    const measured = ok + errors > 0
    pushRow(out, x, {
      ok,
      errors,
      dropped: load.dropped[i] ?? 0,
      inFlight: load.inFlight[i] ?? 0,
      p50: measured ? positive(load.p50[i]) : null,
      p95: measured ? positive(load.p95[i]) : null,
      p99: measured ? positive(load.p99[i]) : null,
    })
    previous = x
  }
  return out
}

type Row = Omit<{ [K in keyof ChartSeries]: number | null }, 'x'>

function pushRow(out: ChartSeries, x: number, row: Row | null): void {
  out.x.push(x)
  out.ok.push(row?.ok ?? null)
  out.errors.push(row?.errors ?? null)
  out.dropped.push(row?.dropped ?? null)
  out.inFlight.push(row?.inFlight ?? null)
  out.p50.push(row?.p50 ?? null)
  out.p95.push(row?.p95 ?? null)
  out.p99.push(row?.p99 ?? null)
}

/** A latency of 0 ms is "nothing measured" (and has no place on a log axis). */
function positive(v: number | undefined): number | null {
  return v !== undefined && v > 0 ? v : null
}

/** Whether the run has (or will have) load to chart: a load step planned, or ticks already. */
export function hasLoad(load: LoadSeries, planKinds: readonly string[]): boolean {
  return load.time.length > 0 || planKinds.includes('load')
}
