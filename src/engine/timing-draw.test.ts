import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { MAX_SEED, parseSeed, randomSeed, TimingDraws, type TimingField } from './timing-draw.js'
import type { TimingRange } from '../shared/timing-range.js'

const seedArb = fc.nat({ max: MAX_SEED })
const rangeArb = fc
  .tuple(fc.nat(86_400_000), fc.nat(86_400_000))
  .map(([a, b]): TimingRange => (a <= b ? { minMs: a, maxMs: b } : { minMs: b, maxMs: a }))
const faultIdArb = fc.stringMatching(/^run(\.\d{1,2}){1,3}$/)
const fieldArb = fc.constantFrom<TimingField>('after', 'interval')
/** A fault's asks: which field, from which range. */
const asksArb = fc.array(fc.tuple(faultIdArb, fieldArb, rangeArb), { minLength: 1, maxLength: 40 })

describe('TimingDraws', () => {
  test('every draw is a whole number of ms within the range, ends included', () => {
    fc.assert(
      fc.property(seedArb, asksArb, (seed, asks) => {
        const draws = new TimingDraws(seed)
        for (const [id, field, range] of asks) {
          const { ms } = draws.next(id, field, range)
          assert.ok(Number.isInteger(ms), `${ms} whole`)
          assert.ok(
            ms >= range.minMs && ms <= range.maxMs,
            `${ms} in ${range.minMs}..${range.maxMs}`
          )
        }
      })
    )
  })

  test('the same seed and fault ids give the same draws', () => {
    fc.assert(
      fc.property(seedArb, asksArb, (seed, asks) => {
        const one = new TimingDraws(seed)
        const two = new TimingDraws(seed)
        assert.deepEqual(
          asks.map(([id, field, range]) => one.next(id, field, range)),
          asks.map(([id, field, range]) => two.next(id, field, range))
        )
      })
    )
  })

  test('a fault draws the same values whatever order the faults ask in (parallel steps)', () => {
    fc.assert(
      fc.property(
        seedArb,
        asksArb.chain((asks) =>
          fc.tuple(fc.constant(asks), fc.shuffledSubarray(asks, { minLength: asks.length }))
        ),
        (seed, [asks, shuffled]) => {
          const perStream = (order: typeof asks) => {
            const draws = new TimingDraws(seed)
            const out = new Map<string, number[]>()
            for (const [id, field, range] of order) {
              const key = `${id}/${field}/${range.minMs}..${range.maxMs}`
              // Ranges may differ per ask; compare by the n-th draw of each stream's key.
              const { ms, n } = draws.next(id, field, range)
              out.set(`${key}#${n}`, [ms])
            }
            return out
          }
          // Same asks per stream in the same relative order: only the interleaving changed.
          const a = perStream(asks)
          const b = perStream(stableByStream(asks, shuffled))
          assert.deepEqual(new Map([...a].sort()), new Map([...b].sort()))
        }
      )
    )
  })

  test('different seeds draw different schedules (almost always)', () => {
    const range = { minMs: 0, maxMs: 1_000_000 }
    const schedule = (seed: number) => {
      const draws = new TimingDraws(seed)
      return Array.from({ length: 5 }, () => draws.next('run.0', 'interval', range).ms)
    }
    assert.notDeepEqual(schedule(7), schedule(8))
    assert.deepEqual(schedule(7), schedule(7))
  })

  test('sub-streams are per fault and per field', () => {
    const range = { minMs: 0, maxMs: 1_000_000 }
    const draws = new TimingDraws(7)
    const a = draws.next('run.0', 'after', range).ms
    const b = draws.next('run.1', 'after', range).ms
    const c = draws.next('run.0', 'interval', range).ms
    assert.equal(new Set([a, b, c]).size, 3)
  })

  test('counts draws per stream, fixed ranges included', () => {
    const draws = new TimingDraws(1)
    assert.deepEqual(draws.next('f', 'interval', { minMs: 5, maxMs: 5 }), { ms: 5, n: 1 })
    assert.equal(draws.next('f', 'interval', { minMs: 1, maxMs: 9 }).n, 2)
    assert.equal(draws.next('f', 'after', { minMs: 1, maxMs: 9 }).n, 1)
  })
})

test('parseSeed: whole numbers from 0 to MAX_SEED', () => {
  assert.equal(parseSeed('7'), 7)
  assert.equal(parseSeed('0'), 0)
  assert.equal(parseSeed(String(MAX_SEED)), MAX_SEED)
  for (const bad of ['', '-1', '1.5', 'x', '1e3', String(MAX_SEED + 1), '99999999999999999']) {
    assert.equal(parseSeed(bad), undefined, bad)
  }
  fc.assert(fc.property(seedArb, (seed) => assert.equal(parseSeed(String(seed)), seed)))
})

test('randomSeed: short whole numbers parseSeed takes back', () => {
  for (let i = 0; i < 100; i++) {
    const seed = randomSeed()
    assert.equal(parseSeed(String(seed)), seed)
    assert.ok(String(seed).length <= 10)
  }
})

/**
 * `shuffled`'s interleaving of the streams, each stream's asks kept in `asks`' order: what
 * parallel faults do (each asks in its own order, the interleaving is the system's).
 */
function stableByStream<T extends [string, TimingField, TimingRange]>(
  asks: T[],
  shuffled: T[]
): T[] {
  const key = (a: T) => `${a[0]}/${a[1]}`
  const queues = new Map<string, T[]>()
  for (const a of asks) {
    queues.set(key(a), [...(queues.get(key(a)) ?? []), a])
  }
  return shuffled.map((a) => queues.get(key(a))!.shift()!)
}
