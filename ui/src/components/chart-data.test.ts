/**
 * The run chart's data, without a browser: x in seconds from the run start, gaps kept as gaps.
 * @module
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { LoadSeries } from '../../../src/shared/run-view.js'
import { chartSeries, hasLoad } from './chart-data.js'

function series(rows: { t: number; ok: number; errors?: number; p99: number }[]): LoadSeries {
  return {
    time: rows.map((r) => r.t),
    sent: rows.map(() => 10),
    ok: rows.map((r) => r.ok),
    errors: rows.map((r) => r.errors ?? 0),
    dropped: rows.map(() => 0),
    p50: rows.map((r) => r.p99 / 2),
    p95: rows.map((r) => r.p99),
    p99: rows.map((r) => r.p99),
    inFlight: rows.map(() => 1),
  }
}

test('chart: a second without completions is a gap in latency, not a p99 of 0', () => {
  const start = 1000
  const s = chartSeries(
    series([
      { t: 1001, ok: 10, p99: 3 },
      { t: 1002, ok: 0, p99: 0 },
      { t: 1003, ok: 0, errors: 2, p99: 5000 },
    ]),
    start * 1000
  )
  assert.deepEqual(s.x, [1, 2, 3], 'x in seconds since the run start')
  assert.deepEqual(s.p99, [3, null, 5000])
  assert.deepEqual(s.p50, [1.5, null, 2500])
  assert.deepEqual(s.ok, [10, 0, 0], 'throughput keeps its real 0')
})

test('chart: missing seconds break the lines instead of joining across them', () => {
  const s = chartSeries(
    series([
      { t: 10, ok: 5, p99: 2 },
      { t: 11, ok: 5, p99: 2 },
      { t: 15, ok: 5, p99: 2 },
    ]),
    9000
  )
  assert.deepEqual(s.x, [1, 2, 3, 6])
  assert.deepEqual(s.ok, [5, 5, null, 5])
  assert.deepEqual(s.p99, [2, 2, null, 2])
})

test('chart: only for a run with load', () => {
  assert.equal(hasLoad(series([]), ['fault', 'wait']), false)
  assert.equal(hasLoad(series([]), ['parallel', 'load']), true)
  assert.equal(hasLoad(series([{ t: 1, ok: 1, p99: 1 }]), []), true)
})
