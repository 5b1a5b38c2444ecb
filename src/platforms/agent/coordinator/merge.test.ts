import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { JournalEvent } from '../../../engine/events.js'
import { JournalMerge } from './merge.js'

function partEvent(seq: number, t: number, body: Record<string, unknown>): JournalEvent {
  return { ...body, seq, t } as JournalEvent
}

function warning(seq: number, t: number, message: string): JournalEvent {
  return partEvent(seq, t, { type: 'run.warning', message })
}

function setup(parts: string[]) {
  let clock = 10_000
  const released: JournalEvent[] = []
  const merge = new JournalMerge({ parts, now: () => clock, onEvent: (e) => released.push(e) })
  return {
    merge,
    released,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  }
}

describe('JournalMerge', () => {
  test("a part's event is put on the center's clock and says where it happened", () => {
    const { merge, released } = setup(['a'])
    const clock = { offsetMs: 1_000, errorMs: 3 }
    merge.partEvents('a', [warning(0, 9_500, 'x')], clock)
    assert.equal(released.length, 0, 'held until the part marks past it')
    merge.partMark('a', { seq: 0, t: 10_500 }, clock)
    assert.equal(released.length, 1)
    assert.deepEqual(released[0], {
      type: 'run.warning',
      message: 'x',
      seq: 0,
      t: 8_500,
      host: 'a',
      hostT: 9_500,
      clockErrorMs: 3,
    })
  })

  test("the coordinator's events wait for the slowest active part", () => {
    const { merge, released, advance } = setup(['a', 'b'])
    merge.emit({ type: 'system.ready' })
    merge.partMark('a', { seq: -1, t: 20_000 }, undefined)
    assert.equal(released.length, 0, 'b has not marked yet')
    // b's event happened before the coordinator's: it must come first.
    merge.partEvents('b', [warning(0, 9_990, 'early')], undefined)
    advance(5)
    merge.partMark('b', { seq: 0, t: 10_003 }, undefined)
    assert.deepEqual(
      released.map((e) => e.type),
      ['run.warning', 'system.ready']
    )
    assert.deepEqual(
      released.map((e) => e.seq),
      [0, 1]
    )
  })

  test("a part's own timeline (run.started, step.*, probe.*, run.ended) is not merged", () => {
    const { merge, released } = setup(['a'])
    merge.partEvents(
      'a',
      [
        partEvent(0, 1, { type: 'run.started' }),
        partEvent(1, 2, { type: 'service.started', service: 's', replica: 0, pid: 1 }),
        partEvent(2, 3, { type: 'step.started', stepId: 'run' }),
        partEvent(3, 4, { type: 'fault.injected', faultId: 'f', stepId: 'f', targets: [] }),
        partEvent(4, 5, { type: 'probe.attempt', probeId: 'p' }),
        partEvent(5, 6, { type: 'run.ended' }),
      ],
      undefined
    )
    // A batch sent again (a resend after a reconnect) is merged once.
    merge.partEvents('a', [warning(5, 6, 'dup')], undefined)
    merge.partDone('a')
    assert.deepEqual(
      released.map((e) => e.type),
      ['service.started', 'fault.injected']
    )
  })

  test('a mark past events not delivered yet is not applied', () => {
    const { merge, released } = setup(['a'])
    merge.emit({ type: 'system.ready' })
    // The part sent seq 0..2 and marked through 2, but only seq 0 reached the merge (a batch
    // skipped as a gap, or a mark routed without its stream).
    merge.partEvents('a', [warning(0, 9_000, 'first')], undefined)
    merge.partMark('a', { seq: 0, t: 9_100 }, undefined)
    merge.partMark('a', { seq: 2, t: 20_000 }, undefined)
    assert.deepEqual(
      released.map((e) => e.type),
      ['run.warning'],
      'system.ready waits: seq 1 and 2 may come before it'
    )
    merge.partEvents('a', [warning(1, 9_500, 'second'), warning(2, 9_800, 'third')], undefined)
    merge.partMark('a', { seq: 2, t: 20_000 }, undefined)
    assert.deepEqual(
      released.map((e) => (e.type === 'run.warning' ? e.message : e.type)),
      ['first', 'second', 'third', 'system.ready']
    )
    // Their t is their own, not moved past system.ready's.
    assert.deepEqual(
      released.slice(1, 3).map((e) => e.t),
      [9_500, 9_800]
    )
  })

  test('a lost part stops holding the watermark back', () => {
    const { merge, released } = setup(['a', 'b'])
    merge.emit({ type: 'system.ready' })
    merge.partMark('a', { seq: -1, t: 20_000 }, undefined)
    assert.equal(released.length, 0)
    merge.partDone('b')
    assert.equal(released.length, 1)
  })

  test('a listener that emits while events are released keeps seq order = t order', () => {
    let clock = 100
    const released: JournalEvent[] = []
    const merge = new JournalMerge({
      parts: ['a'],
      now: () => clock,
      onEvent: (e) => {
        released.push(e)
        if (e.type === 'run.warning' && e.message === 'first') {
          merge.emit({ type: 'run.aborted', kind: 'error', reason: 'x' })
        }
      },
    })
    merge.partEvents('a', [warning(0, 50, 'first'), warning(1, 500, 'late')], undefined)
    merge.flush()
    clock = 200
    merge.release()
    const ts = released.map((e) => e.t)
    assert.deepEqual(
      ts,
      [...ts].sort((x, y) => x - y)
    )
    assert.equal(released.length, 3)
  })

  // One scenario: parts with their own clock offsets stream events (hostT ascending) in
  // batches, mark, and the coordinator emits, all interleaved, the clock moving on.
  const scenario = fc.record({
    parts: fc.array(
      fc.record({
        offset: fc.integer({ min: -2_000, max: 2_000 }),
        gaps: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 25 }),
        dropped: fc.array(fc.boolean(), { maxLength: 25 }),
      }),
      { minLength: 1, maxLength: 3 }
    ),
    actions: fc.array(
      fc.record({
        kind: fc.constantFrom('batch', 'mark', 'emit', 'advance', 'offset'),
        part: fc.nat(),
        n: fc.integer({ min: 1, max: 5 }),
        ms: fc.integer({ min: 0, max: 400 }),
      }),
      { maxLength: 80 }
    ),
  })

  test('every event is released once, seq order = t order, per-part order kept', () => {
    fc.assert(
      fc.property(scenario, ({ parts, actions }) => {
        const names = parts.map((_, i) => `p${i}`)
        const { merge, released, advance, now } = setup(names)
        const start = now()
        // Each part's events: hostT ascending; some are of types the merge drops.
        const streams = parts.map((p, i) => {
          let hostT = start + p.offset
          return p.gaps.map((gap, k) => {
            hostT += gap
            return p.dropped[k]
              ? partEvent(k, hostT, { type: 'step.started', stepId: `p${i}-${k}` })
              : warning(k, hostT, `p${i}-${k}`)
          })
        })
        const sent = parts.map(() => 0)
        const offsets = parts.map((p) => p.offset)
        let emitted = 0
        for (const action of actions) {
          const i = action.part % parts.length
          const clock = { offsetMs: offsets[i]!, errorMs: 1 }
          switch (action.kind) {
            case 'batch': {
              const batch = streams[i]!.slice(sent[i], sent[i]! + action.n)
              sent[i]! += batch.length
              if (batch.length > 0) {
                merge.partEvents(names[i]!, batch, clock)
              }
              break
            }
            case 'mark': {
              // Nothing else before the next unsent event (or anything, once all are sent).
              const next = streams[i]![sent[i]!]
              merge.partMark(names[i]!, { seq: sent[i]! - 1, t: next ? next.t : Infinity }, clock)
              break
            }
            case 'emit':
              merge.emit({ type: 'run.warning', message: `c-${emitted++}` })
              break
            case 'advance':
              advance(action.ms)
              break
            case 'offset':
              // The estimate moves (a better ping): the order must still hold.
              offsets[i]! += action.ms - 200
              break
          }
        }
        streams.forEach((stream, i) => {
          const rest = stream.slice(sent[i])
          if (rest.length > 0) {
            merge.partEvents(names[i]!, rest, { offsetMs: offsets[i]!, errorMs: 1 })
          }
          merge.partDone(names[i]!)
        })
        merge.close()

        const messages = released.map((e) => (e.type === 'run.warning' ? e.message : e.type))
        const expected = [
          ...streams.flat().flatMap((e) => (e.type === 'run.warning' ? [e.message] : [])),
          ...Array.from({ length: emitted }, (_, k) => `c-${k}`),
        ]
        assert.deepEqual([...messages].sort(), [...expected].sort(), 'each released once')
        released.forEach((e, k) => {
          assert.equal(e.seq, k)
          if (k > 0) {
            assert.ok(released[k - 1]!.t <= e.t, `t goes down at seq ${k}`)
          }
        })
        for (const prefix of [...names.map((n) => `${n}-`), 'c-']) {
          const order = messages.filter((m) => m.startsWith(prefix))
          const numbers = order.map((m) => Number(m.slice(prefix.length)))
          assert.deepEqual(
            numbers,
            [...numbers].sort((x, y) => x - y),
            `${prefix} order`
          )
        }
      }),
      { numRuns: Number(process.env['RUNS'] ?? 300) }
    )
  })

  test('with every part done, everything up to now is out without a flush', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 20 }),
        (gaps) => {
          const { merge, released, advance, now } = setup(['a'])
          let t = now() - 5_000
          const events = gaps.map((gap, k) => warning(k, (t += gap), `a-${k}`))
          merge.emit({ type: 'system.ready' })
          merge.partEvents('a', events, undefined)
          advance(25_000)
          merge.partDone('a')
          assert.equal(released.length, events.length + 1)
        }
      )
    )
  })
})
