import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { LoadSeries } from '../../shared/run-view.js'
import { bucketLoad, bucketMinMax, capKeeping } from './bounds.js'

const positive = fc.integer({ min: 0, max: 10_000 })

function series(rows: number[][]): LoadSeries {
  const col = (k: number) => rows.map((r) => r[k]!)
  return {
    time: rows.map((_, i) => i),
    sent: col(0),
    ok: col(1),
    errors: col(2),
    dropped: col(3),
    p50: col(4),
    p95: col(5),
    p99: col(6),
    inFlight: col(7),
  }
}

test('bucketLoad: at most max points, the worst p99 kept, the total sent kept (as a mean per second)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(positive, { minLength: 8, maxLength: 8 }), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.integer({ min: 1, max: 100 }),
      (rows, max) => {
        const s = series(rows)
        const { load, k } = bucketLoad(s, max)
        assert.ok(load.time.length <= max)
        assert.equal(Math.max(...load.p99), Math.max(...s.p99))
        // Each bucket's mean times its size, summed, is the total (the last bucket may be short).
        let total = 0
        for (let b = 0; b < load.time.length; b++) {
          total += load.sent[b]! * Math.min(k, rows.length - b * k)
        }
        assert.ok(Math.abs(total - s.sent.reduce((a, b) => a + b, 0)) < 1e-6 * (1 + total))
        assert.ok(load.time.every((t, i) => i === 0 || t > load.time[i - 1]!))
      }
    )
  )
})

test('bucketMinMax: at most max points, in time order, the extremes kept', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
      fc.integer({ min: 2, max: 300 }),
      (v, max) => {
        const t = v.map((_, i) => i / 10)
        const out = bucketMinMax(t, v, max)
        assert.ok(out.t.length <= max)
        assert.ok(out.t.every((x, i) => i === 0 || x > out.t[i - 1]!))
        assert.equal(Math.max(...out.v), Math.max(...v))
        assert.equal(Math.min(...out.v), Math.min(...v))
      }
    )
  )
})

test('capKeeping: at most max, in order, every kept item there when they fit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { maxLength: 500 }),
      fc.integer({ min: 1, max: 100 }),
      (flags, max) => {
        const items = flags.map((keep, i) => ({ keep, i }))
        const out = capKeeping(items, max, (x) => x.keep)
        assert.ok(out.length <= Math.max(max, 0))
        assert.ok(out.every((x, j) => j === 0 || x.i > out[j - 1]!.i))
        const kept = items.filter((x) => x.keep)
        if (kept.length <= max) {
          assert.ok(kept.every((x) => out.includes(x)))
        }
      }
    )
  )
})
