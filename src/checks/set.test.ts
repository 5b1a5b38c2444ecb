import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { HistoryOp } from '../load/contract.js'
import type { FaultWindow, SetCheckInput, SetRead as ContractRead } from './contract.js'

/** The reads these tests build list arrays. */
type SetRead = ContractRead & { values: string[] }
import { checkSet, quantiles } from './set.js'
import { describeLost } from './windows.js'

const T0 = 1_700_000_000_000

interface AddSpec {
  id: string
  outcome: 'ok' | 'fail' | 'info' | 'none'
  /** Invoke and completion, ms after T0. */
  at: number
  done?: number
}

function adds(...specs: AddSpec[]): HistoryOp[] {
  return specs.flatMap((s, seq) => {
    const base = { seq, process: 0, f: 'POST /items', value: s.id }
    const invoke: HistoryOp = { ...base, type: 'invoke', time: T0 + s.at }
    if (s.outcome === 'none') {
      return [invoke]
    }
    return [invoke, { ...base, type: s.outcome, time: T0 + (s.done ?? s.at + 10) }]
  })
}

/** A read that began at `at` and took 5 ms (ms after T0). */
function read(at: number, values: string[], took = 5): SetRead {
  return { invoke: T0 + at, complete: T0 + at + took, values }
}

function input(history: HistoryOp[], reads: SetRead[], faults: FaultWindow[] = []): SetCheckInput {
  return { history, reads, faults, runStartedAt: T0 }
}

describe('checkSet', () => {
  it('calls an element stable when a read after the last miss shows it', () => {
    const history = adds({ id: 'a', outcome: 'ok', at: 100 })
    const result = checkSet(input(history, [read(0, []), read(200, ['a']), read(300, ['a'])]))
    assert.deepEqual(result, {
      type: 'set',
      valid: true,
      attempted: 1,
      stable: 1,
      lost: [],
      neverRead: [],
      duplicated: [],
      stableLatencies: { '0': 0, '0.5': 0, '0.95': 0, '0.99': 0, '1': 0 },
      lostLatencies: null,
    })
  })

  it('measures stable latency from known to the last read that missed it', () => {
    // Acknowledged at 110, missed by a read begun at 150, seen from 300 on: 40 ms.
    const history = adds({ id: 'a', outcome: 'ok', at: 100 })
    const result = checkSet(input(history, [read(150, []), read(300, ['a'])]))
    assert.equal(result.stable, 1)
    assert.equal(result.stableLatencies?.['1'], 40)
  })

  it('takes the first sighting as known when it precedes the acknowledgement', () => {
    // A read completing at 125 shows it before the ok at 500; a miss begun at 130 is then late.
    const history = adds({ id: 'a', outcome: 'ok', at: 100, done: 500 })
    const result = checkSet(input(history, [read(120, ['a']), read(130, []), read(200, ['a'])]))
    assert.equal(result.stable, 1)
    assert.equal(result.stableLatencies?.['1'], 5)
  })

  it('calls an element lost when a later read misses it', () => {
    const faults: FaultWindow[] = [
      { faultId: 'run.1', type: 'process-kill', start: T0 + 50, end: T0 + 150 },
    ]
    const history = adds(
      { id: 'a', outcome: 'ok', at: 100 },
      { id: 'b', outcome: 'ok', at: 160 },
      { id: 'c', outcome: 'ok', at: 20 }
    )
    const reads = [read(200, ['a', 'c']), read(300, ['c']), read(400, ['c'])]
    const result = checkSet(input(history, reads, faults))
    assert.equal(result.valid, false)
    assert.equal(result.stable, 1)
    assert.deepEqual(result.lost, [
      { id: 'a', at: 100, ackedAt: 110, window: 'during "process-kill" (+0.1 s..+0.2 s)' },
      { id: 'b', at: 160, ackedAt: 170, window: 'after "process-kill" (+0.1 s..+0.2 s)' },
    ])
    assert.equal(
      describeLost(result.lost[1]!, 'set'),
      // Known from its ok or from the first read that showed it, whichever came first.
      'b: known from +0.2 s, after "process-kill" (+0.1 s..+0.2 s), missing from every later read'
    )
    // a: known 110, last seen by the read begun at 200 → 90; b: never seen → 0.
    assert.deepEqual(result.lostLatencies, { '0': 0, '0.5': 90, '0.95': 90, '0.99': 90, '1': 90 })
  })

  it('is lost again after a reappearance is followed by a miss, and stable after', () => {
    const history = adds({ id: 'a', outcome: 'ok', at: 0 })
    const flapping = [read(100, ['a']), read(200, []), read(300, ['a'])]
    assert.equal(checkSet(input(history, flapping)).stable, 1)
    assert.equal(checkSet(input(history, [...flapping, read(400, [])])).lost.length, 1)
  })

  it('does not count a miss by a read concurrent with the add as a loss', () => {
    // The add runs 100→200; the read runs 150→250 and misses it; nothing reads after.
    const history = adds({ id: 'a', outcome: 'ok', at: 100, done: 200 })
    const result = checkSet(input(history, [read(150, [], 100)]))
    assert.deepEqual(result.lost, [])
    assert.deepEqual(result.neverRead, [{ id: 'a', at: 100, window: 'with no fault in the run' }])
    assert.equal(result.valid, 'unknown')
  })

  it('leaves unknown outcomes never read unless a read shows them', () => {
    const history = adds(
      { id: 'a', outcome: 'info', at: 0 },
      { id: 'b', outcome: 'none', at: 10 },
      { id: 'c', outcome: 'info', at: 20 },
      { id: 'd', outcome: 'ok', at: 30 }
    )
    const result = checkSet(input(history, [read(500, ['c', 'd']), read(600, ['c', 'd'])]))
    assert.equal(result.valid, true)
    assert.equal(result.attempted, 4)
    assert.equal(result.stable, 2)
    assert.deepEqual(
      result.neverRead.map((n) => n.id),
      ['a', 'b']
    )
  })

  it('does not track failed adds', () => {
    const history = adds({ id: 'a', outcome: 'fail', at: 0 }, { id: 'b', outcome: 'ok', at: 5 })
    const result = checkSet(input(history, [read(100, ['b'])]))
    assert.equal(result.attempted, 1)
    assert.equal(result.valid, true)
  })

  it('ignores reads that completed before the add began', () => {
    const history = adds({ id: 'a', outcome: 'ok', at: 100 })
    const result = checkSet(input(history, [read(0, ['a']), read(200, [])]))
    assert.equal(result.lost.length, 1)
    assert.equal(result.lostLatencies?.['1'], 0, 'the early sighting is not the last sighting')
  })

  it('is unknown when nothing was read, nothing attempted, or nothing became stable', () => {
    assert.equal(checkSet(input([], [])).valid, 'unknown')
    assert.equal(checkSet(input([], [read(0, ['x'])])).valid, 'unknown')
    const result = checkSet(input(adds({ id: 'a', outcome: 'ok', at: 0 }), []))
    assert.equal(result.valid, 'unknown')
    assert.equal(result.neverRead.length, 1)
    assert.equal(result.stableLatencies, null)
    assert.equal(result.lostLatencies, null)
  })

  it('reports values repeated within one read, not across reads', () => {
    const history = adds({ id: 'a', outcome: 'ok', at: 0 }, { id: 'b', outcome: 'ok', at: 0 })
    const reads = [read(100, ['a', 'b']), read(200, ['b', 'a', 'b', 'z', 'z', 'b'])]
    const result = checkSet(input(history, reads))
    assert.deepEqual(result.duplicated, ['b', 'z'])
    assert.equal(result.valid, true, 'duplicates are reported, not judged')
  })

  it('orders reads by invoke time, whatever order they arrive in', () => {
    const history = adds({ id: 'a', outcome: 'ok', at: 0 })
    const result = checkSet(input(history, [read(300, []), read(100, ['a'])]))
    assert.equal(result.lost.length, 1)
  })
})

describe('quantiles', () => {
  it('takes the nearest rank at 0, 0.5, 0.95, 0.99 and 1', () => {
    assert.equal(quantiles([]), null)
    assert.deepEqual(quantiles([7]), { '0': 7, '0.5': 7, '0.95': 7, '0.99': 7, '1': 7 })
    const tens = [90, 0, 10, 20, 30, 40, 50, 60, 70, 80]
    assert.deepEqual(quantiles(tens), { '0': 0, '0.5': 50, '0.95': 90, '0.99': 90, '1': 90 })
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    assert.deepEqual(quantiles(hundred), { '0': 1, '0.5': 51, '0.95': 96, '0.99': 100, '1': 100 })
    assert.equal(quantiles([1.23456789])?.['1'], 1.235)
  })

  it('feeds stable latencies of many elements', () => {
    // Element i is acknowledged at 10 and missed by a read begun at 10 + i·10.
    const history = adds(
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `e${i}`,
        outcome: 'ok' as const,
        at: 0,
      }))
    )
    const reads = Array.from({ length: 10 }, (_, i) =>
      read(
        10 + i * 10,
        Array.from({ length: i }, (_, j) => `e${j}`)
      )
    )
    reads.push(
      read(
        1000,
        Array.from({ length: 10 }, (_, j) => `e${j}`)
      )
    )
    const result = checkSet(input(history, reads))
    assert.equal(result.stable, 10)
    assert.deepEqual(result.stableLatencies, {
      '0': 0,
      '0.5': 50,
      '0.95': 90,
      '0.99': 90,
      '1': 90,
    })
  })
})

describe('checkSet properties', () => {
  const ids = ['a', 'b', 'c', 'd', 'e']
  const addSpec = fc.record({
    id: fc.constantFrom(...ids),
    outcome: fc.constantFrom<AddSpec['outcome']>('ok', 'ok', 'fail', 'info', 'none'),
    at: fc.nat(1000),
    took: fc.nat(200),
  })
  const readSpec = fc.record({
    at: fc.nat(1500),
    took: fc.nat(200),
    values: fc.array(fc.constantFrom(...ids, 'stranger'), { maxLength: 8 }),
  })

  it('never calls lost an element the final read contains, and classifies each once', () => {
    fc.assert(
      fc.property(
        fc.array(addSpec, { maxLength: 12 }),
        fc.array(readSpec, { maxLength: 8 }),
        (a, r) => {
          const history = adds(...a.map((s) => ({ ...s, done: s.at + s.took })))
          const reads = r.map((s) => read(s.at, s.values, s.took))
          const result = checkSet(input(history, reads))
          // The final read is the last to begin (ties: the later one in the list).
          const final = reads.reduce<SetRead | undefined>(
            (last, x) => (!last || x.invoke >= last.invoke ? x : last),
            undefined
          )
          for (const lost of result.lost) {
            assert.ok(!final?.values.includes(lost.id), `${lost.id} is in the final read`)
          }
          const tracked = new Set(a.filter((s) => s.outcome !== 'fail').map((s) => s.id))
          assert.equal(result.attempted, tracked.size)
          assert.equal(result.stable + result.lost.length + result.neverRead.length, tracked.size)
          assert.equal(
            result.valid,
            result.lost.length > 0 ? false : result.stable === 0 ? 'unknown' : true
          )
          for (const lost of result.lost) {
            assert.ok(tracked.has(lost.id))
          }
          for (const q of [result.stableLatencies, result.lostLatencies]) {
            if (q) {
              assert.ok(q['0'] >= 0 && q['0'] <= q['0.5'] && q['0.5'] <= q['1'])
            }
          }
        }
      )
    )
  })

  it('calls stable an element every read after its add shows', () => {
    fc.assert(
      fc.property(fc.array(readSpec, { minLength: 1, maxLength: 8 }), fc.nat(1000), (r, at) => {
        const history = adds({ id: 'mine', outcome: 'ok', at })
        const reads = r.map((s) =>
          s.at + s.took >= at
            ? read(s.at, [...s.values, 'mine'], s.took)
            : read(s.at, s.values, s.took)
        )
        const result = checkSet(input(history, reads))
        const sawIt = reads.some((x) => x.values.includes('mine'))
        assert.equal(result.stable, sawIt ? 1 : 0)
        assert.equal(result.lost.length, 0)
      })
    )
  })
})
