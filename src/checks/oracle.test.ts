/**
 * The streaming checkers against the checkers as they were (test/support/checks-oracle): on
 * random histories with faults, duplicates, unknown outcomes, cut histories, reused keys and
 * ids, captures and overlapping reads, both give exactly the same result.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { HistoryOp } from '../load/contract.js'
import type { FaultWindow } from './contract.js'
import { checkQueue } from './queue.js'
import { checkSet } from './set.js'
import { checkQueue as oracleQueue } from '../../test/support/checks-oracle/queue.js'
import { checkSet as oracleSet } from '../../test/support/checks-oracle/set.js'

const T0 = 1_700_000_000_000

/** Few ids and few times, so that ids repeat and times tie. */
const anId = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '')
const aTime = fc
  .oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 60 }))
  .map((t) => T0 + t * 5)

const anOp = fc.record({
  f: fc.constantFrom('POST /orders', 'PUT /x'),
  process: fc.integer({ min: 0, max: 3 }),
  /** Small seqs: keys get reused, as when two loads' histories are concatenated. */
  seq: fc.integer({ min: 0, max: 6 }),
  id: fc.option(anId, { nil: undefined }),
  /** A capture at completion: undefined keeps the invoke's id. */
  captured: fc.option(anId, { nil: undefined }),
  outcome: fc.constantFrom('ok', 'ok', 'fail', 'info', 'none'),
  at: aTime,
  took: fc.integer({ min: 0, max: 40 }),
})

/** Invokes and completions, interleaved in time order (ties in a random order), then cut. */
const aHistory = fc
  .tuple(fc.array(anOp, { maxLength: 40 }), fc.nat({ max: 6 }), fc.nat({ max: 6 }), fc.boolean())
  .map(([ops, cutFront, cutBack, weird]) => {
    const entries: HistoryOp[] = []
    for (const op of ops) {
      const base = { f: op.f, process: op.process, seq: op.seq }
      entries.push({
        ...base,
        type: 'invoke',
        time: op.at,
        ...(op.id === undefined ? {} : { value: op.id }),
      })
      if (op.outcome !== 'none') {
        const value = op.captured ?? op.id
        entries.push({
          ...base,
          type: op.outcome as 'ok' | 'fail' | 'info',
          time: op.at + op.took,
          ...(value === undefined ? {} : { value }),
        })
      }
    }
    // A stable sort by time keeps each invoke before its completion; `weird` leaves the
    // generation order (completions before later invokes of the same key, out-of-order times).
    const ordered = weird ? entries : [...entries].sort((x, y) => x.time - y.time)
    return ordered.slice(cutFront, Math.max(cutFront, ordered.length - cutBack))
  })

const faults: fc.Arbitrary<FaultWindow[]> = fc.array(
  fc
    .record({
      start: aTime,
      length: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    })
    .map(({ start, length }) => ({
      faultId: 's1',
      type: 'process-kill',
      name: 'kill',
      start,
      ...(length === undefined ? {} : { end: start + length }),
    })),
  { maxLength: 2 }
)

const delivered = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x', 'y'), {
  maxLength: 30,
})

const aRead = fc
  .record({
    at: aTime,
    took: fc.integer({ min: 0, max: 80 }),
    values: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x', 'y'), {
      maxLength: 10,
    }),
  })
  .map(({ at, took, values }) => ({ invoke: at, complete: at + took, values }))

describe('checkers agree with the oracle', () => {
  it('queue: same result on random histories and deliveries', () => {
    fc.assert(
      fc.property(
        aHistory,
        delivered,
        faults,
        fc.constantFrom('allow', 'fail'),
        (history, d, f, dup) => {
          const input = {
            history,
            delivered: d,
            faults: f,
            runStartedAt: T0,
            duplicates: dup,
          } as const
          assert.deepStrictEqual(checkQueue(input), oracleQueue(input))
        }
      ),
      { numRuns: 500 }
    )
  })

  it('set: same result on random histories and overlapping reads', () => {
    fc.assert(
      fc.property(aHistory, fc.array(aRead, { maxLength: 12 }), faults, (history, reads, f) => {
        const input = { history, reads, faults: f, runStartedAt: T0 }
        assert.deepStrictEqual(checkSet(input), oracleSet(input))
      }),
      { numRuns: 500 }
    )
  })

  it('set: same result with more reads than one block of the read index', () => {
    fc.assert(
      fc.property(
        aHistory,
        fc.array(aRead, { minLength: 60, maxLength: 200 }),
        (history, reads) => {
          const input = { history, reads, faults: [], runStartedAt: T0 }
          assert.deepStrictEqual(checkSet(input), oracleSet(input))
        }
      ),
      { numRuns: 100 }
    )
  })

  it('both: same result when reads are sequential, as the engine takes them', () => {
    const sequential = fc.array(aRead, { maxLength: 150 }).map((reads) => {
      let t = T0
      return reads.map((r) => {
        const invoke = t + (r.invoke - T0) / 10
        t = invoke + (r.complete - r.invoke) / 10 + 1
        return { invoke, complete: t - 1, values: r.values }
      })
    })
    fc.assert(
      fc.property(aHistory, sequential, (history, reads) => {
        const input = { history, reads, faults: [], runStartedAt: T0 }
        assert.deepStrictEqual(checkSet(input), oracleSet(input))
      }),
      { numRuns: 200 }
    )
  })
})
