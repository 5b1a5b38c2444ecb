import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { CLOCK_SAMPLES, ClockFilter, clockSample } from './clock.js'

/** One exchange with the agent's clock `offset` ahead and these one-way delays. */
const exchange = (t0: number, offset: number, up: number, hold: number, down: number) => {
  const t1 = t0 + up + offset
  const t2 = t1 + hold
  const t3 = t2 - offset + down
  return clockSample(t0, t1, t2, t3)
}

test('symmetric delays give the exact offset; the agent holding the ping is not delay', () => {
  const sample = exchange(1000, 250, 10, 7, 10)
  assert.equal(sample.offsetMs, 250)
  assert.equal(sample.delayMs, 20)
})

test('asymmetric delays skew the offset by half their difference, within ±δ/2', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.nat(500),
      fc.nat(50),
      fc.nat(500),
      (offset, up, hold, down) => {
        const sample = exchange(5_000_000, offset, up, hold, down)
        assert.ok(Math.abs(sample.offsetMs - (offset + (up - down) / 2)) < 1e-9)
        assert.ok(Math.abs(sample.offsetMs - offset) <= sample.delayMs / 2 + 1e-9)
      }
    )
  )
})

test('the filter believes the sample with the smallest delay among the last 8', () => {
  const filter = new ClockFilter()
  assert.equal(filter.estimate(), undefined)
  filter.add(exchange(0, 100, 2, 0, 2)) // δ 4, θ 100
  filter.add(exchange(0, 100, 80, 0, 2)) // δ 82, θ 139
  filter.add(exchange(0, 100, 3, 1, 40)) // δ 43
  assert.deepEqual(filter.estimate(), { offsetMs: 100, errorMs: 2, rttMs: 4 })
  // The best one ages out after CLOCK_SAMPLES newer ones.
  for (let i = 0; i < CLOCK_SAMPLES; i++) {
    filter.add(exchange(0, 100, 30, 0, 10)) // δ 40, θ 110
  }
  assert.deepEqual(filter.estimate(), { offsetMs: 110, errorMs: 20, rttMs: 40 })
})

test('an agent that held the ping longer than the round trip (a clock step) gives no negative delay', () => {
  assert.equal(clockSample(0, 100, 200, 10).delayMs, 0)
})
