import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { jitterOf } from './jitter.js'

const arbitrary = fc.record({
  experimentId: fc.string({ minLength: 1 }),
  name: fc.string({ minLength: 1 }),
  dueAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  jitterMs: fc.integer({ min: 1, max: 86_400_000 }),
})

test('jitter is in [0, jitter) and the same on every call (a restart computes the same time)', () => {
  fc.assert(
    fc.property(arbitrary, ({ experimentId, name, dueAt, jitterMs }) => {
      const j = jitterOf(experimentId, name, dueAt, jitterMs)
      assert.ok(Number.isInteger(j) && j >= 0 && j < jitterMs, `${j} of ${jitterMs}`)
      assert.equal(jitterOf(experimentId, name, dueAt, jitterMs), j)
    }),
    { numRuns: 2000 }
  )
})

test('no jitter is none', () => {
  fc.assert(
    fc.property(
      arbitrary,
      ({ experimentId, name, dueAt }) => jitterOf(experimentId, name, dueAt, 0) === 0
    )
  )
})

test('schedules sharing a minute spread over the whole jitter', () => {
  const due = Date.parse('2026-12-07T03:00:00Z')
  const offsets = Array.from({ length: 1000 }, (_, i) => jitterOf(`e${i}`, 'nightly', due, 60_000))
  const buckets = new Array(6).fill(0)
  for (const o of offsets) {
    buckets[Math.floor(o / 10_000)] += 1
  }
  // Each 10 s sixth gets roughly its share (expected 167; a deterministic hash, so no flake).
  assert.ok(
    buckets.every((b) => b > 100 && b < 240),
    String(buckets)
  )
})
