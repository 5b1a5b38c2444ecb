import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { playRollbacks } from './executor.js'
import { exitCode } from './command.js'
import { ROLLBACK_STRATEGIES, type CtkStatus } from './model.js'

const statuses: (CtkStatus | null)[] = [null, 'completed', 'failed', 'aborted', 'interrupted']

test('rollback strategies decide as chaoslib run_rollback does', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ROLLBACK_STRATEGIES),
      fc.constantFrom(...statuses),
      fc.boolean(),
      (strategy, status, deviated) => {
        const expected =
          strategy === 'always' ||
          (strategy === 'default' && status !== 'failed' && status !== 'interrupted') ||
          (strategy === 'deviated' && deviated)
        assert.equal(playRollbacks(strategy, status, deviated), expected)
      }
    )
  )
  // The surprising rows of the reference: a gate missed by tolerance is completed and rolls back.
  assert.equal(playRollbacks('default', 'completed', false), true)
  assert.equal(playRollbacks('default', 'aborted', false), true)
  assert.equal(playRollbacks('default', 'failed', true), false)
})

test("exit codes are ordeal's: 0 completed and not deviated, 1 deviated or failed, 3 aborted, 130 interrupted", () => {
  assert.equal(exitCode({ status: 'completed', deviated: false }), 0)
  assert.equal(exitCode({ status: 'completed', deviated: true }), 1)
  // The gate missed: chaos says completed (exit 0); ordeal says the hypothesis did not hold.
  const missed = { before: { steady_state_met: false, probes: [] } }
  assert.equal(exitCode({ status: 'completed', deviated: false, steadyStates: missed }), 1)
  assert.equal(exitCode({ status: 'failed', deviated: false }), 1)
  assert.equal(exitCode({ status: 'aborted', deviated: false }), 3)
  assert.equal(exitCode({ status: 'interrupted', deviated: true }), 130)
})
