import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pickTargets, type SelectionSpec } from './select.js'
import { FaultInjectionError } from '../../faults/contract.js'
import { capLimit } from '../../faults/select-caps.js'

const pods = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `pod-${String(i).padStart(5, '0')}`,
    namespace: 'shop',
  }))
const options = {
  subject: 'of deployment/orders in shop',
  noun: ['pod', 'pods'] as [string, string],
}

test('mode one with random 0 picks the first by name, whatever the API order', () => {
  const shuffled = [pods(3)[2]!, pods(3)[0]!, pods(3)[1]!]
  const lines: string[] = []
  const picked = pickTargets(
    shuffled,
    {},
    { ...options, random: () => 0, report: (l) => lines.push(l) }
  )
  assert.deepEqual(
    picked.map((p) => p.name),
    ['pod-00000']
  )
  assert.deepEqual(lines, ['picked 1 of 3 pods of deployment/orders in shop (mode one): pod-00000'])
})

test('the report says the mode, its value, caps and a clamp by maxPodsPerFault', () => {
  const lines: string[] = []
  pickTargets(
    pods(5),
    { mode: 'fixed-percent', value: 60, maxTargets: 4 },
    {
      ...options,
      hardCap: { limit: 2, name: 'maxPodsPerFault' },
      random: () => 0,
      report: (l) => lines.push(l),
    }
  )
  assert.equal(
    lines[0],
    'picked 2 of 5 pods of deployment/orders in shop (mode fixed-percent 60%, maxTargets 4, clamped to maxPodsPerFault 2): pod-00000, pod-00001'
  )
})

test('no candidates, or caps that allow none: one line, nothing picked', () => {
  assert.throws(() => pickTargets([], {}, options), {
    message: 'no pods of deployment/orders in shop',
  })
  assert.throws(
    () => pickTargets(pods(3), { mode: 'all', maxPercent: 20 }, options),
    (e: Error) => {
      assert.ok(e instanceof FaultInjectionError)
      assert.equal(
        e.message,
        'maxPercent 20 allows no target: 20% of the 3 pods of deployment/orders in shop rounds down to 0; nothing was injected'
      )
      return true
    }
  )
})

const modes = fc.oneof(
  fc.constant<SelectionSpec>({ mode: 'one' }),
  fc.constant<SelectionSpec>({ mode: 'all' }),
  fc.integer({ min: 1, max: 6000 }).map((value): SelectionSpec => ({ mode: 'fixed', value })),
  fc
    .integer({ min: 1, max: 100 })
    .map((value): SelectionSpec => ({ mode: 'fixed-percent', value })),
  fc
    .integer({ min: 1, max: 100 })
    .map((value): SelectionSpec => ({ mode: 'random-max-percent', value }))
)

test('property: distinct candidates, never more than the caps or maxPodsPerFault, at least one', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }),
      modes,
      fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      fc.integer({ min: 1, max: 20 }),
      fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
      (n, spec, maxTargets, hard, stream) => {
        const candidates = pods(n)
        const it = stream[Symbol.iterator]()
        const random = () => it.next().value as number
        const withCaps = { ...spec, ...(maxTargets === undefined ? {} : { maxTargets }) }
        const picked = pickTargets(candidates, withCaps, {
          ...options,
          hardCap: { limit: hard, name: 'maxPodsPerFault' },
          random,
        })
        assert.ok(picked.length >= 1)
        assert.ok(picked.length <= hard)
        assert.ok(picked.length <= capLimit(n, withCaps))
        assert.equal(new Set(picked.map((p) => p.name)).size, picked.length)
        const names = new Set(candidates.map((c) => c.name))
        assert.ok(picked.every((p) => names.has(p.name)))
        // In name order (the report and the journal read it that way).
        assert.deepEqual(
          picked.map((p) => p.name),
          [...picked.map((p) => p.name)].sort()
        )
      }
    ),
    { numRuns: 200 }
  )
})

test('property: the API order does not change what a given random picks', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 300 })
        .chain((n) =>
          fc.tuple(fc.constant(n), fc.shuffledSubarray(pods(n), { minLength: n, maxLength: n }))
        ),
      modes,
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
        minLength: 1,
        maxLength: 50,
      }),
      ([n, shuffled], spec, draws) => {
        const seq = () => {
          let i = 0
          return () => draws[i++ % draws.length]!
        }
        const a = pickTargets(pods(n), spec, { ...options, random: seq() })
        const b = pickTargets(shuffled, spec, { ...options, random: seq() })
        assert.deepEqual(
          b.map((p) => p.name),
          a.map((p) => p.name)
        )
      }
    ),
    { numRuns: 200 }
  )
})

test('5,000 candidates: mode all clamped to 10 is quick', () => {
  const candidates = pods(5000).reverse()
  const started = performance.now()
  const picked = pickTargets(
    candidates,
    { mode: 'all' },
    {
      ...options,
      hardCap: { limit: 10, name: 'maxPodsPerFault' },
    }
  )
  assert.equal(picked.length, 10)
  assert.ok(performance.now() - started < 500)
})
