import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { FaultWindow } from './contract.js'
import type { MetricSample } from '../shared/metrics.js'
import { checkBacklog, type BacklogCheckInput } from './backlog.js'
import { describeMetricCheck } from '../shared/metric-check-text.js'

const T0 = 1_700_000_000_000
const slowDb: FaultWindow = {
  faultId: 'run.1',
  type: 'proxy-toxic',
  name: 'slow-db',
  start: T0 + 10_000,
  end: T0 + 40_000,
}

/** One sample a second from T0, with these values. */
function series(values: number[]): MetricSample[] {
  return values.map((value, i) => ({ t: T0 + i * 1000, value }))
}

function input(over: Partial<BacklogCheckInput>): BacklogCheckInput {
  return {
    metric: 'queue-depth',
    samples: [],
    faults: [slowDb],
    below: 100,
    withinMs: 30_000,
    ...over,
  }
}

/** 0 before the fault, grows 100/s while active, drains 500/s after. */
function backlogRun(): MetricSample[] {
  const values: number[] = []
  for (let s = 0; s <= 60; s++) {
    values.push(s < 10 ? 0 : s <= 40 ? (s - 10) * 100 : Math.max(0, 3000 - (s - 40) * 500))
  }
  return series(values)
}

describe('backlog check', () => {
  it('passes when the metric drains below the bound within the deadline, with the peak', () => {
    const r = checkBacklog(input({ samples: backlogRun() }))
    assert.equal(r.valid, true)
    assert.equal(r.fault, 'slow-db')
    assert.equal(r.faultEndedAt, T0 + 40_000)
    assert.equal(r.peak, 3000)
    assert.equal(r.peakAt, T0 + 40_000)
    assert.equal(r.drainedAt, T0 + 46_000)
    assert.equal(r.drainMs, 6000)
    assert.equal(r.drainedValue, 0)
    assert.equal(
      describeMetricCheck(r, T0),
      'drained to 0 < 100 in 6 s after "slow-db" ended (peak 3 000 at +40.0 s)'
    )
  })

  it('fails when it drains later than `within`, saying how late', () => {
    const r = checkBacklog(input({ samples: backlogRun(), withinMs: 5000 }))
    assert.equal(r.valid, false)
    assert.equal(r.drainMs, 6000)
    assert.match(r.reason!, /only 6 s after "slow-db" ended, later than 5 s/)
  })

  it('fails when it never drains, with the last reading', () => {
    const r = checkBacklog(input({ samples: backlogRun(), below: 0 }))
    assert.equal(r.valid, false)
    assert.equal(r.drainedAt, undefined)
    assert.match(
      r.reason!,
      /^never below 0 within 30 s after "slow-db" ended: last reading 0, 20 s after it ended/
    )
  })

  it('is invalid with a reason when no sample follows the fault', () => {
    const r = checkBacklog(input({ samples: backlogRun().slice(0, 35) }))
    assert.equal(r.valid, false)
    assert.match(r.reason!, /no sample of queue-depth after "slow-db" ended/)
  })

  it('names an unknown or never-reverted fault', () => {
    assert.match(
      checkBacklog(input({ samples: backlogRun(), fault: 'other' })).reason!,
      /fault "other" was never injected/
    )
    assert.match(checkBacklog(input({ samples: backlogRun(), faults: [] })).reason!, /no fault/)
    const open = { ...slowDb, end: undefined }
    assert.match(
      checkBacklog(input({ samples: backlogRun(), faults: [open] })).reason!,
      /never reverted/
    )
  })

  it('defaults to the last fault to end', () => {
    const early: FaultWindow = {
      faultId: 'run.0',
      type: 'process-kill',
      name: 'kill',
      start: T0,
      end: T0 + 2000,
    }
    assert.equal(
      checkBacklog(input({ samples: backlogRun(), faults: [slowDb, early] })).fault,
      'slow-db'
    )
    assert.equal(
      checkBacklog(input({ samples: backlogRun(), faults: [slowDb, early], fault: 'kill' })).fault,
      'kill'
    )
  })

  const arbitrary = fc.record({
    values: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 80 }),
    below: fc.integer({ min: 0, max: 6000 }),
    lower: fc.integer({ min: 0, max: 6000 }),
    within: fc.integer({ min: 0, max: 60_000 }),
    longer: fc.integer({ min: 0, max: 60_000 }),
  })

  it('a lower `below` never turns a fail into a pass', () => {
    fc.assert(
      fc.property(arbitrary, ({ values, below, lower }) => {
        const [hi, lo] = below >= lower ? [below, lower] : [lower, below]
        const loose = checkBacklog(input({ samples: series(values), below: hi }))
        const strict = checkBacklog(input({ samples: series(values), below: lo }))
        return !(strict.valid && !loose.valid)
      })
    )
  })

  it('a shorter `within` never turns a fail into a pass', () => {
    fc.assert(
      fc.property(arbitrary, ({ values, within, longer }) => {
        const [hi, lo] = within >= longer ? [within, longer] : [longer, within]
        const loose = checkBacklog(input({ samples: series(values), withinMs: hi }))
        const strict = checkBacklog(input({ samples: series(values), withinMs: lo }))
        return !(strict.valid && !loose.valid)
      })
    )
  })

  it('the peak is the highest reading from the injection on, and a pass drained in time', () => {
    fc.assert(
      fc.property(arbitrary, ({ values, below, within }) => {
        const r = checkBacklog(input({ samples: series(values), below, withinMs: within }))
        const from = values.slice(10)
        if (from.length > 0 && values.length > 40) {
          assert.equal(r.peak, Math.max(...from))
        }
        if (r.valid) {
          assert.ok(r.drainMs! <= within && r.drainedValue! < below)
        }
      })
    )
  })
})
