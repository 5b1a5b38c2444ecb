import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  BACKOFF_CAP_MS,
  BACKOFF_RESET_AFTER_MS,
  Backoff,
  backoffCeiling,
  backoffDelay,
} from './backoff.js'

test('the delay is full jitter below min(15 s, 500 ms × 2^n)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (n, r) => {
        const delay = backoffDelay(n, () => r)
        assert.ok(delay >= 0)
        assert.ok(delay < Math.min(BACKOFF_CAP_MS, 500 * 2 ** n) || delay === 0)
        assert.ok(delay <= BACKOFF_CAP_MS)
      }
    )
  )
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 99].map(backoffCeiling),
    [500, 1000, 2000, 4000, 8000, 15000, 15000]
  )
})

test('the attempt grows on every failure and resets after 10 s ready', () => {
  const backoff = new Backoff(() => 0.999)
  const waits = [0, 1, 2, 3].map(() => backoff.next(0))
  assert.deepEqual(waits, [499, 999, 1998, 3996])
  assert.equal(backoff.attempt, 4)
  // Ready for less than 10 s: the storm goes on.
  backoff.ready(1000)
  backoff.next(1000 + BACKOFF_RESET_AFTER_MS - 1)
  assert.equal(backoff.attempt, 5)
  // Ready for 10 s: healthy, the next loss starts from the first attempt.
  backoff.ready(50_000)
  assert.equal(backoff.next(50_000 + BACKOFF_RESET_AFTER_MS), 499)
  assert.equal(backoff.attempt, 1)
})

test('bye 1001 (the server restarts) starts from attempt 1, not 0', () => {
  const backoff = new Backoff(() => 0.999)
  backoff.ready(0)
  assert.equal(backoff.next(60_000, true), 999)
})
