import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { HistoryOp } from '../load/contract.js'
import type { FaultWindow, QueueCheckInput } from './contract.js'
import { checkQueue } from './queue.js'
import { describeLost, placeSpan, windowOf } from './windows.js'

const T0 = 1_700_000_000_000

type Outcome = 'ok' | 'fail' | 'info' | 'none'

interface OpSpec {
  seq: number
  /** Id at invoke; `undefined` for none. */
  id?: string
  outcome: Outcome
  /** ms after T0 */
  at: number
  /** Id at completion (a capture); defaults to `id`. */
  captured?: string
  process?: number
  f?: string
}

/** An invoke and (unless `none`) its completion 5 ms later. */
function history(...specs: OpSpec[]): HistoryOp[] {
  const ops: HistoryOp[] = []
  for (const s of specs) {
    const base = { seq: s.seq, process: s.process ?? 0, f: s.f ?? 'POST /orders' }
    ops.push({ ...base, type: 'invoke', time: T0 + s.at, ...(s.id ? { value: s.id } : {}) })
    if (s.outcome !== 'none') {
      const value = s.captured ?? s.id
      ops.push({ ...base, type: s.outcome, time: T0 + s.at + 5, ...(value ? { value } : {}) })
    }
  }
  return ops
}

function input(
  ops: HistoryOp[],
  delivered: string[],
  extra: Partial<QueueCheckInput> = {}
): QueueCheckInput {
  return { history: ops, delivered, faults: [], runStartedAt: T0, duplicates: 'allow', ...extra }
}

describe('checkQueue', () => {
  it('passes when everything acknowledged was delivered', () => {
    const ops = history(
      { seq: 0, id: 'a', outcome: 'ok', at: 0 },
      { seq: 1, id: 'b', outcome: 'ok', at: 10 },
      { seq: 2, id: 'c', outcome: 'fail', at: 20 }
    )
    assert.deepEqual(checkQueue(input(ops, ['b', 'a'])), {
      type: 'queue',
      valid: true,
      attempted: 3,
      acknowledged: 2,
      delivered: 2,
      lost: [],
      duplicated: [],
      unexpected: [],
      recovered: [],
      duplicatesPolicy: 'allow',
      unidentified: 0,
    })
  })

  it('passes on an empty history with nothing delivered', () => {
    const result = checkQueue(input([], []))
    assert.equal(result.valid, true)
    assert.deepEqual(
      [result.attempted, result.acknowledged, result.delivered, result.unidentified],
      [0, 0, 0, 0]
    )
  })

  it('names every acknowledged op that was never delivered, in time order', () => {
    const ops = history(
      { seq: 0, id: 'a', outcome: 'ok', at: 300 },
      { seq: 1, id: 'b', outcome: 'ok', at: 100 },
      { seq: 2, id: 'c', outcome: 'ok', at: 200 }
    )
    const result = checkQueue(input(ops, ['c']))
    assert.equal(result.valid, false)
    assert.deepEqual(result.lost, [
      { id: 'b', at: 100, ackedAt: 105, window: 'with no fault in the run' },
      { id: 'a', at: 300, ackedAt: 305, window: 'with no fault in the run' },
    ])
  })

  it('reports duplicates with their count; they fail only under the fail policy', () => {
    const ops = history(
      { seq: 0, id: 'a', outcome: 'ok', at: 0 },
      { seq: 1, id: 'b', outcome: 'ok', at: 50 }
    )
    const delivered = ['a', 'b', 'b', 'a', 'b']
    const allowed = checkQueue(input(ops, delivered))
    assert.equal(allowed.valid, true)
    assert.equal(allowed.delivered, 5)
    assert.deepEqual(allowed.duplicated, [
      { id: 'a', at: 0, window: 'with no fault in the run', count: 2 },
      { id: 'b', at: 50, window: 'with no fault in the run', count: 3 },
    ])
    const strict = checkQueue(input(ops, delivered, { duplicates: 'fail' }))
    assert.equal(strict.valid, false)
    assert.equal(strict.duplicatesPolicy, 'fail')
    assert.equal(checkQueue(input(ops, ['a', 'b'], { duplicates: 'fail' })).valid, true)
  })

  it('fails on deliveries that were never attempted, listed once each in source order', () => {
    const ops = history({ seq: 0, id: 'a', outcome: 'ok', at: 0 })
    const result = checkQueue(input(ops, ['z', 'a', 'y', 'z']))
    assert.equal(result.valid, false)
    assert.deepEqual(result.unexpected, ['z', 'y'])
    assert.deepEqual(result.duplicated, [], 'an unexpected id is not also a duplicate')
    assert.deepEqual(checkQueue(input([], ['q'])).unexpected, ['q'])
  })

  it('recovers fail/info/unfinished ops that were delivered anyway', () => {
    const ops = history(
      { seq: 0, id: 'a', outcome: 'info', at: 40 },
      { seq: 1, id: 'b', outcome: 'fail', at: 10 },
      { seq: 2, id: 'c', outcome: 'none', at: 30 },
      { seq: 3, id: 'd', outcome: 'info', at: 20 }
    )
    const result = checkQueue(input(ops, ['a', 'b', 'c']))
    assert.equal(result.valid, true)
    assert.equal(result.attempted, 4)
    assert.equal(result.acknowledged, 0)
    assert.deepEqual(
      result.recovered.map((r) => [r.id, r.at]),
      [
        ['b', 10],
        ['c', 30],
        ['a', 40],
      ]
    )
    assert.deepEqual(result.lost, [], 'an unacknowledged op is never lost')
  })

  it('counts ops without an id but cannot match them', () => {
    const ops = history(
      { seq: 0, outcome: 'ok', at: 0 },
      { seq: 1, outcome: 'ok', at: 10 },
      { seq: 2, outcome: 'fail', at: 20 },
      { seq: 3, id: 'd', outcome: 'ok', at: 30 }
    )
    const result = checkQueue(input(ops, ['d']))
    assert.equal(result.valid, true)
    assert.equal(result.attempted, 4)
    assert.equal(result.acknowledged, 3)
    assert.equal(result.unidentified, 2)
    assert.deepEqual(result.lost, [])
  })

  it('uses the id captured at completion when the invoke had none (or a different one)', () => {
    const ops = history(
      { seq: 0, outcome: 'ok', at: 0, captured: 'srv-1' },
      { seq: 1, id: 'tmp-2', outcome: 'ok', at: 10, captured: 'srv-2' },
      { seq: 2, id: 'tmp-3', outcome: 'info', at: 20 }
    )
    const result = checkQueue(input(ops, ['srv-1']))
    assert.equal(result.unidentified, 0)
    assert.deepEqual(
      result.lost.map((l) => l.id),
      ['srv-2']
    )
    assert.deepEqual(result.unexpected, [])
  })

  it('treats an empty id as no id', () => {
    const ops = history({ seq: 0, outcome: 'ok', at: 0, captured: '' })
    assert.equal(checkQueue(input(ops, [])).unidentified, 1)
  })

  it('credits deliveries of a reused id to acknowledged ops first, earliest first', () => {
    const ops = history(
      { seq: 0, id: 'x', outcome: 'info', at: 0 },
      { seq: 1, id: 'x', outcome: 'ok', at: 10 },
      { seq: 2, id: 'x', outcome: 'ok', at: 20 }
    )
    const once = checkQueue(input(ops, ['x']))
    assert.deepEqual(
      once.lost.map((l) => l.at),
      [20]
    )
    assert.deepEqual(once.recovered, [])
    assert.deepEqual(once.duplicated, [], 'three attempts may be delivered up to three times')
    const thrice = checkQueue(input(ops, ['x', 'x', 'x']))
    assert.deepEqual(thrice.lost, [])
    assert.deepEqual(
      thrice.recovered.map((r) => r.at),
      [0]
    )
    const four = checkQueue(input(ops, ['x', 'x', 'x', 'x']))
    assert.deepEqual(four.duplicated, [
      { id: 'x', at: 0, window: 'with no fault in the run', count: 4 },
    ])
  })

  it('pairs completions with invokes across concatenated loads and overlapping requests', () => {
    const first = history(
      { seq: 0, id: 'a', outcome: 'ok', at: 0, f: 'POST /a' },
      { seq: 1, id: 'b', outcome: 'fail', at: 1, f: 'POST /a' }
    )
    const second = history(
      { seq: 0, id: 'c', outcome: 'fail', at: 2, f: 'POST /b' },
      { seq: 1, id: 'd', outcome: 'ok', at: 3, f: 'POST /b' }
    )
    // Interleave: every invoke first, then the completions in reverse order.
    const invokes = [...first, ...second].filter((op) => op.type === 'invoke')
    const completions = [...first, ...second].filter((op) => op.type !== 'invoke').reverse()
    const result = checkQueue(input([...invokes, ...completions], []))
    assert.equal(result.acknowledged, 2)
    assert.deepEqual(
      result.lost.map((l) => l.id),
      ['a', 'd']
    )
  })

  it('places lost writes by their acknowledgement before, during and after two named faults', () => {
    const faults: FaultWindow[] = [
      {
        faultId: 'run.1',
        type: 'process-kill',
        name: 'kill api',
        start: T0 + 6400,
        end: T0 + 9000,
      },
      { faultId: 'run.2', type: 'process-pause', start: T0 + 12_000, end: T0 + 13_000 },
    ]
    const ops = history(
      { seq: 0, id: 'a', outcome: 'ok', at: 6195 },
      { seq: 1, id: 'b', outcome: 'ok', at: 7000 },
      { seq: 2, id: 'c', outcome: 'ok', at: 10_000 },
      { seq: 3, id: 'd', outcome: 'ok', at: 12_500 },
      { seq: 4, id: 'e', outcome: 'ok', at: 14_000 },
      { seq: 5, id: 'f', outcome: 'info', at: 12_900 }
    )
    const result = checkQueue(input(ops, ['f'], { faults }))
    assert.deepEqual(
      result.lost.map((l) => describeLost(l, 'queue')),
      [
        'a: acknowledged at +6.2 s, before "kill api" at +6.4 s, never delivered',
        'b: acknowledged at +7.0 s, during "kill api" (+6.4 s..+9.0 s), never delivered',
        // Between two faults: both, as issue 13 §4 reads ("…, before the kill at +6.4 s").
        'c: acknowledged at +10.0 s, after "kill api" (+6.4 s..+9.0 s), before "process-pause" at +12.0 s, never delivered',
        'd: acknowledged at +12.5 s, during "process-pause" (+12.0 s..+13.0 s), never delivered',
        'e: acknowledged at +14.0 s, after "process-pause" (+12.0 s..+13.0 s), never delivered',
      ]
    )
    for (const text of result.lost.map((l) => l.window)) {
      assert.doesNotMatch(text, /run\.\d/)
    }
    assert.deepEqual(result.recovered, [
      { id: 'f', at: 12_900, window: 'during "process-pause" (+12.0 s..+13.0 s)' },
    ])
  })

  it('measures `at` from the run start, rounded to the millisecond', () => {
    const ops = history({ seq: 0, id: 'a', outcome: 'ok', at: 1234.6 })
    const result = checkQueue(input(ops, [], { runStartedAt: T0 - 1000 }))
    assert.equal(result.lost[0]?.at, 2235)
  })
})

describe('windowOf', () => {
  const kill: FaultWindow = {
    faultId: 'run.1',
    type: 'process-kill',
    name: 'kill',
    start: 1000,
    end: 2000,
  }
  const pause: FaultWindow = {
    faultId: 'run.2',
    type: 'process-pause',
    name: 'pause',
    start: 1500,
    end: 3000,
  }

  it('treats a window as closed at both ends', () => {
    assert.equal(windowOf(999, [kill]), 'before "kill" at +1.0 s')
    assert.equal(windowOf(1000, [kill]), 'during "kill" (+1.0 s..+2.0 s)')
    assert.equal(windowOf(2000, [kill]), 'during "kill" (+1.0 s..+2.0 s)')
    assert.equal(windowOf(2001, [kill]), 'after "kill" (+1.0 s..+2.0 s)')
  })

  it('lists every overlapping fault by start, and during wins over after', () => {
    assert.equal(
      windowOf(1600, [pause, kill]),
      'during "kill" (+1.0 s..+2.0 s), "pause" (+1.5 s..+3.0 s)'
    )
    assert.equal(windowOf(2500, [kill, pause]), 'during "pause" (+1.5 s..+3.0 s)')
    assert.equal(windowOf(3001, [pause, kill]), 'after "pause" (+1.5 s..+3.0 s)')
  })

  it('names the fault that ended last, and keeps a never-reverted fault open', () => {
    const early: FaultWindow = { faultId: 'run.3', type: 'network-loss', start: 100, end: 200 }
    assert.equal(windowOf(4000, [kill, early, pause]), 'after "pause" (+1.5 s..+3.0 s)')
    assert.equal(
      windowOf(500, [kill, early]),
      'after "network-loss" (+0.1 s..+0.2 s), before "kill" at +1.0 s'
    )
    const stuck: FaultWindow = { faultId: 'run.4', type: 'cpu-stress', start: 5000 }
    assert.equal(windowOf(100_000, [kill, stuck]), 'during "cpu-stress" (+5.0 s..)')
    assert.equal(
      windowOf(4000, [kill, stuck]),
      'after "kill" (+1.0 s..+2.0 s), before "cpu-stress" at +5.0 s'
    )
  })

  it('between an earlier fault and a later one, names both: the next fault is never dropped', () => {
    const latency: FaultWindow = { faultId: 'run.0', type: 'network-latency', start: 100, end: 400 }
    assert.equal(
      windowOf(999, [kill, latency]),
      'after "network-latency" (+0.1 s..+0.4 s), before "kill" at +1.0 s'
    )
  })

  it('places a span as a point is placed: during any fault it meets, else between', () => {
    assert.equal(placeSpan(500, 1000, [kill]), 'during "kill" (+1.0 s..+2.0 s)')
    assert.equal(placeSpan(2000, 2500, [kill]), 'during "kill" (+1.0 s..+2.0 s)')
    assert.equal(placeSpan(200, 999, [kill]), 'before "kill" at +1.0 s')
    assert.equal(placeSpan(2001, 9000, [kill]), 'after "kill" (+1.0 s..+2.0 s)')
    assert.equal(placeSpan(1, 2, []), 'with no fault in the run')
  })

  it('offsets are from the run start; no fault at all says so', () => {
    assert.equal(
      windowOf(10_500, [{ ...kill, start: 10_700, end: 11_000 }], 10_000),
      'before "kill" at +0.7 s'
    )
    assert.equal(windowOf(123, []), 'with no fault in the run')
  })
})

describe('checkQueue properties', () => {
  const outcome = fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'fail', 'info', 'none')

  /** Ops with unique ids (the normal case: `{{uuid}}` or `{{seq}}`), and what was delivered. */
  const uniqueCase = fc
    .array(fc.record({ outcome, hasId: fc.boolean(), at: fc.nat(10_000) }), { maxLength: 60 })
    .chain((raw) => {
      const specs: OpSpec[] = raw.map((r, seq) => ({
        seq,
        outcome: r.outcome,
        at: r.at,
        ...(r.hasId || seq % 3 ? { id: `id-${seq}` } : {}),
      }))
      const times = fc.array(fc.nat(3), { minLength: specs.length, maxLength: specs.length })
      const strangers = fc.array(fc.constantFrom('x-1', 'x-2', 'x-3'), { maxLength: 4 })
      return fc.tuple(fc.constant(specs), times, strangers).chain(([s, counts, extra]) => {
        const delivered = s.flatMap((spec, i) =>
          spec.id ? Array<string>(counts[i] ?? 0).fill(spec.id) : []
        )
        return fc.tuple(
          fc.constant(s),
          fc.shuffledSubarray([...delivered, ...extra], {
            minLength: delivered.length + extra.length,
          })
        )
      })
    })

  it('never calls a delivered id lost, and keeps every list within its set', () => {
    fc.assert(
      fc.property(uniqueCase, fc.constantFrom('allow', 'fail'), ([specs, delivered], policy) => {
        const result = checkQueue(
          input(history(...specs), delivered, { duplicates: policy as 'allow' | 'fail' })
        )
        const deliveredSet = new Set(delivered)
        const attempts = new Set(specs.flatMap((s) => (s.id ? [s.id] : [])))
        const acked = new Set(specs.flatMap((s) => (s.id && s.outcome === 'ok' ? [s.id] : [])))
        const lost = result.lost.map((l) => l.id)
        const recovered = result.recovered.map((r) => r.id)

        assert.ok(
          lost.every((id) => !deliveredSet.has(id)),
          'a delivered id is never lost'
        )
        assert.ok(
          lost.every((id) => acked.has(id)),
          'lost ⊆ acknowledged'
        )
        assert.ok(
          result.unexpected.every((id) => !attempts.has(id)),
          'unexpected ∩ attempts = ∅'
        )
        assert.ok(result.unexpected.every((id) => deliveredSet.has(id)))
        assert.ok(
          recovered.every((id) => !acked.has(id)),
          'recovered ∩ acknowledged = ∅'
        )
        assert.ok(recovered.every((id) => deliveredSet.has(id) && attempts.has(id)))
        assert.ok(result.duplicated.every((d) => d.count > 1 && attempts.has(d.id)))

        const ackedDelivered = [...acked].filter((id) => deliveredSet.has(id)).length
        const unidentified = specs.filter((s) => s.outcome === 'ok' && !s.id).length
        assert.equal(result.attempted, specs.length)
        assert.equal(result.acknowledged, specs.filter((s) => s.outcome === 'ok').length)
        assert.equal(result.delivered, delivered.length)
        assert.equal(result.unidentified, unidentified)
        assert.equal(lost.length + ackedDelivered + unidentified, result.acknowledged)
        assert.equal(new Set([...lost, ...recovered]).size, lost.length + recovered.length)
        assert.equal(
          result.valid,
          lost.length === 0 &&
            result.unexpected.length === 0 &&
            (policy === 'allow' || result.duplicated.length === 0)
        )
      })
    )
  })

  it('accounts for reused ids as multisets', () => {
    const spec = fc.record({ id: fc.constantFrom('a', 'b', 'c'), outcome, at: fc.nat(1000) })
    const delivered = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 12 })
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 20 }), delivered, (raw, got) => {
        const specs = raw.map((r, seq) => ({ ...r, seq }))
        const result = checkQueue(input(history(...specs), got))
        for (const id of ['a', 'b', 'c']) {
          const mine = specs.filter((s) => s.id === id)
          const acked = mine.filter((s) => s.outcome === 'ok').length
          const times = got.filter((d) => d === id).length
          const lost = result.lost.filter((l) => l.id === id).length
          const recovered = result.recovered.filter((r) => r.id === id).length
          assert.equal(lost, Math.max(0, acked - times), `lost ${id}`)
          assert.equal(recovered, Math.min(mine.length - acked, Math.max(0, times - acked)))
          const dup = result.duplicated.find((d) => d.id === id)
          assert.equal(dup?.count, mine.length > 0 && times > mine.length ? times : undefined)
          assert.equal(result.unexpected.includes(id), mine.length === 0 && times > 0)
        }
      })
    )
  })

  it('keeps findings in time order', () => {
    fc.assert(
      fc.property(uniqueCase, ([specs, delivered]) => {
        const result = checkQueue(input(history(...specs), delivered))
        for (const list of [result.lost, result.recovered, result.duplicated]) {
          assert.ok(list.every((f, i) => i === 0 || list[i - 1]!.at <= f.at))
        }
      })
    )
  })
})
