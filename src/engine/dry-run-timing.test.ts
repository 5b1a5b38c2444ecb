import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { Fault } from '../experiment/model.js'
import { Journal } from './journal.js'
import { drawAfter } from './fault-step.js'
import { afterText, intervalLine } from './dry-run-timing.js'
import { TimingDraws } from './timing-draw.js'

function fault(after: Partial<Fault>, interval?: string): Fault {
  return {
    id: 'run.1',
    type: 'process-kill',
    afterMs: 0,
    durationMs: 5000,
    params: {
      type: 'process-kill',
      target: { service: 'api' },
      duration: '5s',
      ...(interval === undefined ? {} : { interval }),
    } as Fault['params'],
    ...after,
  }
}

const ranged = fault({ afterMs: 200, afterRange: { minMs: 200, maxMs: 1000 } }, '500ms..900ms')

test('the dry run shows the after a run with the seed draws, and journals nothing', () => {
  fc.assert(
    fc.property(fc.nat(2 ** 32), (seed) => {
      const journal = new Journal()
      const ms = drawAfter(ranged, { timing: new TimingDraws(seed), journal })
      assert.equal(
        afterText(ranged, seed),
        ` after ${ms < 1000 ? `${ms}ms` : `${ms / 1000}s`} (drawn from 200ms..1s)`
      )
      // The run journals what it drew, with the range it drew from.
      assert.deepEqual(
        journal.events.map(({ seq: _seq, t: _t, ...e }) => e),
        [
          {
            type: 'fault.timing',
            faultId: 'run.1',
            field: 'after',
            n: 1,
            ms,
            minMs: 200,
            maxMs: 1000,
          },
        ]
      )
    })
  )
  assert.equal(afterText(ranged, undefined), ' after 200ms..1s')
  assert.equal(afterText(fault({ afterMs: 5000 }), 7), ' after 5s', 'a fixed after is not drawn')
  const journal = new Journal()
  assert.equal(drawAfter(fault({ afterMs: 5000 }), { timing: new TimingDraws(7), journal }), 5000)
  assert.equal(journal.events.length, 0)
})

test('the dry run lists the waits a run with the seed draws, as many as fit in the duration', () => {
  fc.assert(
    fc.property(fc.nat(2 ** 32), (seed) => {
      const line = intervalLine(ranged, seed)
      const waits = /drawn from 500ms\.\.900ms: (.*)$/.exec(line ?? '')![1]!.split(', ')
      const draws = new TimingDraws(seed)
      const expected = waits.map(
        () => draws.next('run.1', 'interval', { minMs: 500, maxMs: 900 }).ms
      )
      assert.deepEqual(
        waits,
        expected.map((ms) => `${ms}ms`)
      )
      const total = expected.reduce((a, b) => a + b, 0)
      const next = draws.next('run.1', 'interval', { minMs: 500, maxMs: 900 }).ms
      assert.ok(total < 5000 && total + next >= 5000, `${total} + ${next} vs 5000`)
    })
  )
  assert.match(intervalLine(ranged, undefined)!, /^every 500ms\.\.900ms: each wait drawn/)
  assert.equal(intervalLine(fault({}, '1s'), 7), undefined, 'a fixed interval is not drawn')
  assert.equal(intervalLine(fault({}), 7), undefined)
})
