import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { FaultWindow } from './contract.js'
import type { MetricSample } from '../shared/metrics.js'
import { checkRecovery, type RecoveryCheckInput } from './recovery.js'
import { describeMetricCheck } from '../shared/metric-check-text.js'

const T0 = 1_700_000_000_000
const slowDb: FaultWindow = {
  faultId: 'run.1',
  type: 'proxy-toxic',
  name: 'slow-db',
  start: T0 + 10_000,
  end: T0 + 20_000,
}

function series(values: number[]): MetricSample[] {
  return values.map((value, i) => ({ t: T0 + i * 1000, value }))
}

function input(over: Partial<RecoveryCheckInput>): RecoveryCheckInput {
  return {
    metric: 'dump-rate',
    samples: [],
    faults: [slowDb],
    atLeast: 0.9,
    withinMs: 10_000,
    baselineMs: 10_000,
    ...over,
  }
}

/** 1000/s for 10 s, 200/s while the fault is active, then back up 200/s each second. */
function dumpRate(): MetricSample[] {
  const values: number[] = []
  for (let s = 0; s <= 40; s++) {
    values.push(s < 10 ? 1000 : s < 20 ? 200 : Math.min(1000, 200 + (s - 19) * 200))
  }
  return series(values)
}

describe('recovery check', () => {
  it('passes when the metric gets back to atLeast × before within the deadline', () => {
    const r = checkRecovery(input({ samples: dumpRate() }))
    assert.equal(r.valid, true)
    assert.equal(r.before, 1000)
    assert.equal(r.during, 200)
    assert.equal(r.recoveredAt, T0 + 23_000)
    assert.equal(r.recoveryMs, 3000)
    assert.equal(
      describeMetricCheck(r, T0),
      'recovered to 1 000 ≥ 90% of 1 000 in 3 s after "slow-db" ended (dip to 200)'
    )
  })

  it('fails when the recovery comes later than `within`', () => {
    const r = checkRecovery(input({ samples: dumpRate(), withinMs: 2000 }))
    assert.equal(r.valid, false)
    assert.match(r.reason!, /only 3 s after "slow-db" ended, later than 2 s/)
  })

  it('fails when it never recovers', () => {
    const flat = series([...Array(10).fill(1000), ...Array(30).fill(100)])
    const r = checkRecovery(input({ samples: flat }))
    assert.equal(r.valid, false)
    assert.match(r.reason!, /^never back to 90% of 1 000 within 10 s/)
  })

  it('a baseline of 0 is a reason, not a division by zero', () => {
    const r = checkRecovery(input({ samples: series(Array(40).fill(0)) }))
    assert.equal(r.valid, false)
    assert.equal(r.before, 0)
    assert.match(r.reason!, /was 0 before "slow-db": nothing to recover to/)
  })

  it('no baseline sample, no sample after the fault: a reason each', () => {
    assert.match(
      checkRecovery(input({ samples: dumpRate().slice(10) })).reason!,
      /no sample of dump-rate in the 10 s before "slow-db" was injected/
    )
    assert.match(
      checkRecovery(input({ samples: dumpRate().slice(0, 20) })).reason!,
      /no sample of dump-rate after "slow-db" ended/
    )
  })

  const arbitrary = fc.record({
    values: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 60 }),
    a: fc.double({ min: 0, max: 1.5, noNaN: true }),
    b: fc.double({ min: 0, max: 1.5, noNaN: true }),
    w1: fc.integer({ min: 0, max: 40_000 }),
    w2: fc.integer({ min: 0, max: 40_000 }),
  })

  it('a higher `atLeast` never turns a fail into a pass', () => {
    fc.assert(
      fc.property(arbitrary, ({ values, a, b }) => {
        const loose = checkRecovery(input({ samples: series(values), atLeast: Math.min(a, b) }))
        const strict = checkRecovery(input({ samples: series(values), atLeast: Math.max(a, b) }))
        return !(strict.valid && !loose.valid)
      })
    )
  })

  it('a shorter `within` never turns a fail into a pass; a pass is at least atLeast × before', () => {
    fc.assert(
      fc.property(arbitrary, ({ values, a, w1, w2 }) => {
        const loose = checkRecovery(
          input({ samples: series(values), atLeast: a, withinMs: Math.max(w1, w2) })
        )
        const strict = checkRecovery(
          input({ samples: series(values), atLeast: a, withinMs: Math.min(w1, w2) })
        )
        assert.ok(!(strict.valid && !loose.valid))
        if (strict.valid) {
          assert.ok(strict.recoveredValue! >= a * strict.before && strict.before > 0)
          assert.ok(Number.isFinite(strict.before))
        }
      })
    )
  })
})
