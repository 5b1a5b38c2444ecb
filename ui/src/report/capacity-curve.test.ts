import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CapacityTrial } from '../../../src/shared/capacity.js'
import { capacityCurve } from './capacity-curve.js'

function trial(rate: number, figures: Partial<CapacityTrial>): CapacityTrial {
  return {
    phase: 'baseline',
    index: 0,
    stage: 'ramp',
    rate,
    achieved: rate,
    throughput: rate,
    passed: true,
    errorRate: 0,
    p50: 5,
    p99: 20,
    startedAt: 0,
    endedAt: 1,
    stoppedEarly: false,
    ...figures,
  }
}

test('a trial in which nothing completed is marked, not drawn as 0 ms and 0 % failed', () => {
  const curve = capacityCurve([
    trial(100, {}),
    trial(200, { throughput: 0, errorRate: 0, p50: 0, p99: 0, passed: false, stoppedEarly: true }),
    trial(400, { phase: 'fault', throughput: 0, errorRate: 1, p50: 900, p99: 2000 }),
  ])
  assert.deepEqual(curve.rates, [100, 200, 400])
  assert.deepEqual(curve.p99.baseline, [20, null, null])
  assert.deepEqual(curve.p50.baseline, [5, null, null])
  assert.deepEqual(curve.errorRate.baseline, [0, null, null])
  assert.deepEqual(curve.noCompletion.baseline, [false, true, false])
  // Every request failed: that completed (as failures), so it is drawn at 100 %.
  assert.deepEqual(curve.errorRate.fault, [null, null, 100])
  assert.deepEqual(curve.noCompletion.fault, [false, false, false])
})

test('repeats at one rate: the worst figures of the trials that completed, the mark if any did not', () => {
  const curve = capacityCurve([
    trial(100, { p99: 30, errorRate: 0.01 }),
    trial(100, { p99: 0, p50: 0, throughput: 0, errorRate: 0 }),
    trial(100, { p99: 50 }),
  ])
  assert.deepEqual(curve.p99.baseline, [50])
  assert.deepEqual(curve.errorRate.baseline, [1])
  assert.deepEqual(curve.noCompletion.baseline, [true])
})
