import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KEEP_FREE_BYTES, planFill, usedPercent } from './plan.js'

const GiB = 1024 ** 3

describe('planFill', () => {
  test('a size is written as is when there is room', () => {
    assert.deepEqual(planFill({ used: 10 * GiB, avail: 90 * GiB }, { bytes: GiB }), {
      bytes: GiB,
      notes: [],
    })
  })

  test('a percent writes enough for the filesystem to reach it (df Use%)', () => {
    const space = { used: 20 * GiB, avail: 80 * GiB }
    const plan = planFill(space, { percent: 80 })
    assert.equal(plan.bytes, 60 * GiB)
    assert.equal(
      usedPercent({ used: space.used + plan.bytes, avail: space.avail - plan.bytes }),
      80
    )
  })

  test('root-reserved blocks count as neither used nor available, as in df', () => {
    // 100 GiB disk, 5 GiB reserved: 20 used + 75 avail → Use% = 20/95.
    assert.equal(usedPercent({ used: 20 * GiB, avail: 75 * GiB }).toFixed(2), '21.05')
  })

  test('already above the percent: nothing written, and says so', () => {
    const plan = planFill({ used: 85 * GiB, avail: 15 * GiB }, { percent: 80 })
    assert.equal(plan.bytes, 0)
    assert.deepEqual(plan.notes, ['filesystem already 85.0% used (target 80%): nothing written'])
  })

  test('never leaves less than 64 MiB free, and says so', () => {
    const avail = 100 * 1024 ** 2
    const bySize = planFill({ used: GiB, avail }, { bytes: GiB })
    assert.equal(bySize.bytes, avail - KEEP_FREE_BYTES)
    assert.deepEqual(bySize.notes, ['capped at 36.0 MiB instead of 1.0 GiB to leave 64.0 MiB free'])
    const byPercent = planFill({ used: GiB, avail }, { percent: 99 })
    assert.equal(byPercent.bytes, avail - KEEP_FREE_BYTES)
    assert.equal(planFill({ used: GiB, avail: KEEP_FREE_BYTES / 2 }, { bytes: 1 }).bytes, 0)
  })
})
