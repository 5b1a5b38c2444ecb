import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { ProcessTarget } from '../platforms/local/targets.js'
import { FaultInjectionError } from './contract.js'
import {
  describePick,
  describeSelector,
  selectTargets,
  selectTargetsFor,
  selectionCount,
  type SelectionMode,
} from './select.js'
import { capConflict, capLimit } from './select-caps.js'

function replicas(n: number): ProcessTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    label: `api-${i + 1}`,
    pid: 1000 + i,
    groupLeader: true,
    service: 'api',
    replica: i + 1,
  }))
}

const labels = (targets: ProcessTarget[]) => targets.map((t) => t.label)

describe('selectTargets', () => {
  test('no candidates is a FaultInjectionError', () => {
    assert.throws(() => selectTargets([], 'all'), FaultInjectionError)
    assert.throws(
      () => selectTargetsFor({ service: 'api', mode: 'all' }, []),
      (error: unknown) =>
        error instanceof FaultInjectionError &&
        error.message === "no running targets for service 'api'"
    )
  })

  test('one picks a single random candidate (default mode)', () => {
    assert.deepEqual(labels(selectTargets(replicas(3), undefined, undefined, () => 0)), ['api-1'])
    assert.deepEqual(labels(selectTargets(replicas(3), 'one', undefined, () => 0.99)), ['api-3'])
    assert.deepEqual(labels(selectTargets(replicas(3), 'one', undefined, () => 0.5)), ['api-2'])
  })

  test('all picks every candidate', () => {
    assert.deepEqual(labels(selectTargets(replicas(3), 'all')), ['api-1', 'api-2', 'api-3'])
  })

  test('fixed picks min(value, n) distinct candidates', () => {
    assert.equal(selectTargets(replicas(5), 'fixed', 2).length, 2)
    assert.equal(selectTargets(replicas(2), 'fixed', 5).length, 2)
    assert.equal(selectTargets(replicas(5), 'fixed', 2.7).length, 2)
    assert.throws(() => selectTargets(replicas(5), 'fixed', 0.5), FaultInjectionError)
    assert.throws(() => selectTargets(replicas(5), 'fixed'), FaultInjectionError)
  })

  test('fixed-percent rounds up like Chaos Mesh: any percentage above 0 picks at least one', () => {
    assert.equal(selectionCount(3, 'fixed-percent', 50), 2)
    assert.equal(selectionCount(10, 'fixed-percent', 10), 1)
    assert.equal(selectionCount(10, 'fixed-percent', 1), 1)
    assert.equal(selectionCount(10, 'fixed-percent', 25), 3)
    assert.equal(selectionCount(4, 'fixed-percent', 100), 4)
    assert.equal(selectionCount(3, 'fixed-percent', 100 / 3), 1)
    assert.throws(() => selectionCount(3, 'fixed-percent', 150), FaultInjectionError)
  })

  test('random-max-percent draws a whole percentage in [0, value], then picks at least one', () => {
    assert.equal(
      selectionCount(10, 'random-max-percent', 50, () => 0),
      1
    )
    // floor(0.5 × 51) = 25% of 10 → 2.5 → 3
    assert.equal(
      selectionCount(10, 'random-max-percent', 50, () => 0.5),
      3
    )
    assert.equal(
      selectionCount(10, 'random-max-percent', 50, () => 0.9999),
      5
    )
    assert.equal(
      selectionCount(4, 'random-max-percent', 100, () => 0.9999),
      4
    )
  })

  test('picks are distinct members of the candidates, in candidate order, within bounds', () => {
    const modes: SelectionMode[] = ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent']
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...modes),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1 }),
        (n, mode, value, draws) => {
          let i = 0
          const random = () => draws[i++ % draws.length]!
          const candidates = replicas(n)
          const picked = selectTargets(candidates, mode, value, random)
          assert.ok(picked.length >= 1 && picked.length <= n)
          assert.equal(new Set(picked).size, picked.length)
          const positions = picked.map((t) => candidates.indexOf(t))
          assert.ok(positions.every((p, k) => p >= 0 && (k === 0 || p > positions[k - 1]!)))
          if (mode === 'one') {
            assert.equal(picked.length, 1)
          }
          if (mode === 'all') {
            assert.equal(picked.length, n)
          }
          if (mode === 'fixed') {
            assert.equal(picked.length, Math.min(value, n))
          }
          if (mode === 'random-max-percent') {
            assert.ok(picked.length <= Math.max(1, Math.ceil((n * value) / 100)))
          }
        }
      )
    )
  })

  test('every candidate gets picked by one over many draws', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      seen.add(selectTargets(replicas(4), 'one')[0]!.label)
    }
    assert.equal(seen.size, 4)
  })
})

describe('describeSelector', () => {
  test('reads as a sentence for dry runs', () => {
    assert.equal(
      describeSelector({ service: 'api' }),
      "1 of the replicas of service 'api' (mode one)"
    )
    assert.equal(
      describeSelector({ service: 'api', mode: 'all' }),
      "all the replicas of service 'api' (mode all)"
    )
    assert.equal(
      describeSelector({ service: 'api', mode: 'fixed', value: 2 }),
      "2 of the replicas of service 'api' (mode fixed)"
    )
    assert.equal(
      describeSelector({ service: 'api', mode: 'fixed-percent', value: 50 }),
      "50% of the replicas of service 'api' (mode fixed-percent)"
    )
    assert.equal(
      describeSelector({ service: 'api', mode: 'random-max-percent', value: 50 }),
      "up to 50% of the replicas of service 'api' (mode random-max-percent)"
    )
    assert.equal(
      describeSelector({ attach: 'legacy' }),
      "1 of the processes matching attach 'legacy' (mode one)"
    )
  })

  test('names the blast-radius caps', () => {
    assert.equal(
      describeSelector({ service: 'api', mode: 'all', maxTargets: 2, maxPercent: 50 }),
      "all the replicas of service 'api' (mode all, maxTargets 2, maxPercent 50)"
    )
    assert.equal(
      describeSelector({ service: 'api', maxPercent: 25 }),
      "1 of the replicas of service 'api' (mode one, maxPercent 25)"
    )
    assert.equal(
      describeSelector({ attach: 'legacy', mode: 'all', maxTargets: 1 }),
      "all the processes matching attach 'legacy' (mode all, maxTargets 1)"
    )
  })
})

describe('describePick', () => {
  const target = (pid: number) => ({ label: `w#${pid}`, pid, groupLeader: false })
  test('says which pid out of how many an attach selector hit, and by which mode', () => {
    assert.equal(
      describePick({ attach: 'workers' }, [target(4242)], 3),
      "picked pid 4242 (1 of 3 processes matching attach 'workers', mode one)"
    )
    assert.equal(
      describePick({ attach: 'workers', mode: 'all' }, [target(1), target(2)], 2),
      "picked pids 1, 2 (2 of 2 processes matching attach 'workers', mode all)"
    )
    assert.equal(
      describePick({ attach: 'web' }, [target(7)], 1),
      "picked pid 7 (1 of 1 process matching attach 'web', mode one)"
    )
  })
})

describe('blast-radius caps', () => {
  const api = (extra: Partial<Parameters<typeof selectTargetsFor>[0]>) => ({
    service: 'api',
    ...extra,
  })

  test('maxTargets bounds whatever the mode picks', () => {
    assert.equal(selectTargetsFor(api({ mode: 'all', maxTargets: 2 }), replicas(5)).length, 2)
    assert.equal(
      selectTargetsFor(api({ mode: 'fixed', value: 4, maxTargets: 3 }), replicas(5)).length,
      3
    )
    assert.equal(
      selectTargetsFor(api({ mode: 'fixed-percent', value: 100, maxTargets: 1 }), replicas(5))
        .length,
      1
    )
    // A cap is not a request: below the cap the mode decides.
    assert.equal(selectTargetsFor(api({ mode: 'one', maxTargets: 3 }), replicas(5)).length, 1)
    assert.equal(selectTargetsFor(api({ mode: 'all', maxTargets: 9 }), replicas(2)).length, 2)
  })

  test('maxPercent rounds down, unlike the percentage modes', () => {
    assert.equal(capLimit(3, { maxPercent: 50 }), 1)
    assert.equal(capLimit(4, { maxPercent: 50 }), 2)
    assert.equal(capLimit(10, { maxPercent: 33 }), 3)
    assert.equal(capLimit(3, { maxPercent: 100 / 3 }), 1)
    assert.equal(capLimit(3, { maxPercent: 100 }), 3)
    assert.equal(capLimit(3, {}), Infinity)
    assert.equal(capLimit(10, { maxTargets: 4, maxPercent: 30 }), 3)
    assert.equal(capLimit(10, { maxTargets: 2, maxPercent: 30 }), 2)
    assert.equal(selectTargetsFor(api({ mode: 'all', maxPercent: 50 }), replicas(3)).length, 1)
    assert.equal(
      selectTargetsFor(api({ mode: 'fixed-percent', value: 50, maxPercent: 50 }), replicas(3))
        .length,
      1
    )
  })

  test('a cap that allows no target fails to inject, naming the cap', () => {
    assert.throws(
      () => selectTargetsFor(api({ mode: 'one', maxPercent: 20 }), replicas(3)),
      (error: unknown) =>
        error instanceof FaultInjectionError &&
        error.message ===
          "maxPercent 20 allows no target: 20% of the 3 running targets of service 'api' rounds down to 0; nothing was injected"
    )
    assert.throws(
      () => selectTargetsFor({ attach: 'legacy', maxPercent: 50 }, replicas(1)),
      /maxPercent 50 allows no target: 50% of the 1 running target of attached process 'legacy'/
    )
    assert.throws(
      () => selectTargetsFor(api({ mode: 'all', maxTargets: 0 }), replicas(3)),
      /maxTargets 0 allows no target/
    )
  })

  test('random-max-percent draws are clamped too', () => {
    const picked = selectTargetsFor(
      api({ mode: 'random-max-percent', value: 100, maxPercent: 30 }),
      replicas(10),
      () => 0.9999
    )
    assert.equal(picked.length, 3)
  })

  test('never more than the caps, at least one when they allow it', () => {
    const modes: SelectionMode[] = ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent']
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...modes),
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, mode, value, maxTargets, maxPercent, draw) => {
          const selector = api({ mode, value, maxTargets, maxPercent })
          const allowed = Math.min(
            maxTargets ?? n,
            maxPercent === undefined ? n : Math.floor((n * maxPercent) / 100)
          )
          if (allowed < 1) {
            assert.throws(() => selectTargetsFor(selector, replicas(n), () => draw), /allows no/)
            return
          }
          const picked = selectTargetsFor(selector, replicas(n), () => draw)
          assert.ok(picked.length >= 1, 'at least one')
          assert.ok(picked.length <= allowed, `${picked.length} > ${allowed}`)
          assert.equal(new Set(picked).size, picked.length)
          const uncapped = selectionCount(n, mode, value, () => draw)
          assert.equal(picked.length, Math.min(uncapped, allowed))
        }
      )
    )
  })
})

describe('capConflict (static check at validation)', () => {
  test('mode fixed above maxTargets, whatever the replicas', () => {
    assert.equal(
      capConflict({ service: 'api', mode: 'fixed', value: 5, maxTargets: 2 }, 10),
      'mode fixed value 5 exceeds maxTargets 2'
    )
    assert.equal(
      capConflict({ attach: 'legacy', mode: 'fixed', value: 5, maxTargets: 2 }, undefined),
      'mode fixed value 5 exceeds maxTargets 2'
    )
    assert.equal(
      capConflict({ service: 'api', mode: 'fixed', value: 2, maxTargets: 2 }, 10),
      undefined
    )
  })

  test('a deterministic mode that picks more than the caps allow among the replicas', () => {
    assert.equal(
      capConflict({ service: 'api', mode: 'all', maxPercent: 50 }, 3),
      "mode all picks 3 of the 3 replicas of service 'api', more than maxPercent 50 allows (1: 50% of 3, rounded down)"
    )
    assert.equal(
      capConflict({ service: 'api', mode: 'all', maxTargets: 2 }, 3),
      "mode all picks 3 of the 3 replicas of service 'api', more than maxTargets 2"
    )
    assert.match(
      capConflict({ service: 'api', mode: 'fixed-percent', value: 50, maxPercent: 40 }, 4) ?? '',
      /^mode fixed-percent value 50 picks 2 of the 4 replicas/
    )
    assert.equal(capConflict({ service: 'api', mode: 'all', maxPercent: 100 }, 3), undefined)
    assert.equal(capConflict({ service: 'api', mode: 'all', maxTargets: 3 }, 3), undefined)
    assert.equal(capConflict({ service: 'api', mode: 'one', maxPercent: 50 }, 2), undefined)
  })

  test('caps that allow no replica at all', () => {
    assert.equal(
      capConflict({ service: 'api', maxPercent: 50 }, 1),
      "maxPercent 50 allows no target: 50% of the 1 replica of service 'api' rounds down to 0"
    )
  })

  test('random-max-percent and attach counts are left to run time', () => {
    assert.equal(
      capConflict({ service: 'api', mode: 'random-max-percent', value: 100, maxTargets: 1 }, 5),
      undefined
    )
    assert.equal(
      capConflict({ attach: 'legacy', mode: 'all', maxTargets: 1 }, undefined),
      undefined
    )
  })
})
