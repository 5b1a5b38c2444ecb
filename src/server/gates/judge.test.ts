import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { RunSummary } from '../../shared/api.js'
import { judgeRun } from './judge.js'

const NOW = Date.parse('2026-12-07T12:00:00Z')

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    id: 'run_1',
    experimentId: 'exp_1',
    experimentName: 'checkout',
    experimentVersion: 1,
    source: 'server',
    status: 'finished',
    startedAt: '2026-12-07T11:59:00Z',
    endedAt: '2026-12-07T11:59:30Z',
    startedBy: 'u',
    startedByName: 'alice',
    ...overrides,
  }
}

test('no run: 412 with "no run yet"', () => {
  const answer = judgeRun('checkout', undefined, { threshold: 100 }, NOW)
  assert.deepEqual(answer, {
    experiment: 'checkout',
    threshold: 100,
    pass: false,
    reason: 'no run yet',
  })
})

test('a failed run under the threshold names its score, the threshold and its reason', () => {
  const answer = judgeRun(
    'checkout',
    run({ verdict: 'fail', score: 50, reason: 'probe orders failed\n9 lost' }),
    { threshold: 80 },
    NOW
  )
  assert.equal(answer.pass, false)
  assert.equal(answer.reason, 'run run_1 failed with score 50 < 80: probe orders failed 9 lost')
  assert.equal(answer.runId, 'run_1')
  assert.equal(answer.verdict, 'fail')
  assert.equal(answer.score, 50)
})

test('a failed run at or above a threshold below 100 passes: the threshold is the caller’s tolerance', () => {
  const answer = judgeRun('checkout', run({ verdict: 'fail', score: 80 }), { threshold: 80 }, NOW)
  assert.equal(answer.pass, true)
  assert.equal(answer.reason, 'run run_1 failed with score 80 ≥ 80')
})

test('a failed run scoring 100 does not pass the default threshold of 100: the verdict decides', () => {
  // The engine scores only scored steps: a deadline missed after they all held scores 100.
  const answer = judgeRun(
    'checkout',
    run({ verdict: 'fail', score: 100, reason: 'deadline 1m exceeded' }),
    { threshold: 100 },
    NOW
  )
  assert.equal(answer.pass, false)
  assert.equal(
    answer.reason,
    'run run_1 failed (score 100; threshold 100: the verdict decides): deadline 1m exceeded'
  )
})

test('a passed run under the threshold does not pass', () => {
  const answer = judgeRun('checkout', run({ verdict: 'pass', score: 70 }), { threshold: 80 }, NOW)
  assert.equal(answer.pass, false)
  assert.equal(answer.reason, 'run run_1 passed with score 70 < 80')
})

test('no run of the current version: the reason names the version', () => {
  const answer = judgeRun('checkout', undefined, { threshold: 100, version: 3 }, NOW)
  assert.equal(answer.reason, 'no run of version 3 yet')
})

test('a run older than maxAge fails, whatever its verdict', () => {
  const answer = judgeRun(
    'checkout',
    run({ verdict: 'pass', score: 100, endedAt: '2026-12-07T10:00:00Z' }),
    { threshold: 100, maxAgeMs: 3_600_000 },
    NOW
  )
  assert.equal(answer.pass, false)
  assert.equal(answer.reason, 'run run_1 ended 2 h ago, older than maxAge 1 h')
})

test('property: pass iff a pass (or a fail under a threshold below 100), fresh, and score ≥ threshold', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('pass', 'fail', 'error', 'interrupted', undefined),
      fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
      fc.integer({ min: 0, max: 100 }),
      fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
      fc.integer({ min: 0, max: 20_000_000 }),
      (verdict, score, threshold, maxAgeMs, age) => {
        const r = run({
          ...(verdict !== undefined ? { verdict } : {}),
          ...(score !== undefined ? { score } : {}),
          status: verdict === undefined ? 'cancelled' : 'finished',
          endedAt: new Date(NOW - age).toISOString(),
        })
        const answer = judgeRun('x', r, { threshold, ...(maxAgeMs ? { maxAgeMs } : {}) }, NOW)
        const effective = score ?? (verdict === 'pass' ? 100 : 0)
        const expected =
          (verdict === 'pass' || (verdict === 'fail' && threshold < 100)) &&
          effective >= threshold &&
          (maxAgeMs === undefined || age <= maxAgeMs)
        assert.equal(answer.pass, expected, answer.reason)
        assert.ok(!answer.reason.includes('\n'))
        assert.ok(answer.reason.startsWith('run run_1 '))
      }
    )
  )
})
