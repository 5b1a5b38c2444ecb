import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  BACKOFF_RESET_AFTER_MS,
  CRASH_LOOP_EXITS,
  CRASH_LOOP_WINDOW_MS,
  describeExit,
  nextRestartDelay,
  quickExitsAfter,
  shouldRestart,
} from './restart-policy.js'

const backoff = { initialMs: 100, maxMs: 1000 }

describe('nextRestartDelay', () => {
  it('starts at initialMs and doubles up to maxMs', () => {
    const delays: number[] = []
    let previous: number | undefined
    for (let i = 0; i < 6; i++) {
      previous = nextRestartDelay(previous, 50, backoff)
      delays.push(previous)
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000])
  })

  it('resets after the replica ran for the reset period', () => {
    assert.equal(nextRestartDelay(800, BACKOFF_RESET_AFTER_MS, backoff), 100)
    assert.equal(nextRestartDelay(800, BACKOFF_RESET_AFTER_MS - 1, backoff), 1000)
  })

  it('never exceeds maxMs even when initialMs is larger', () => {
    assert.equal(nextRestartDelay(undefined, 0, { initialMs: 5000, maxMs: 1000 }), 1000)
  })
})

describe('shouldRestart', () => {
  const ok = { code: 0, signal: null }
  const failed = { code: 1, signal: null }
  const killed = { code: null, signal: 'SIGKILL' as const }

  it('always restarts on any exit', () => {
    assert.deepEqual(
      [ok, failed, killed].map((e) => shouldRestart('always', e)),
      [true, true, true]
    )
  })

  it('on-failure restarts on a non-zero code or a signal, not on exit 0', () => {
    assert.deepEqual(
      [ok, failed, killed].map((e) => shouldRestart('on-failure', e)),
      [false, true, true]
    )
  })

  it('never restarts', () => {
    assert.deepEqual(
      [ok, failed, killed].map((e) => shouldRestart('never', e)),
      [false, false, false]
    )
  })

  it('describes exits', () => {
    assert.equal(describeExit(failed), 'exited with code 1')
    assert.equal(describeExit(killed), 'was killed by SIGKILL')
  })
})

it('quick exits while starting count up; a slower failure starts the count over', () => {
  let n = 0
  n = quickExitsAfter(n, 50)
  n = quickExitsAfter(n, CRASH_LOOP_WINDOW_MS - 1)
  assert.equal(n, 2)
  assert.equal(quickExitsAfter(n, CRASH_LOOP_WINDOW_MS), 0, 'booted for a while, then failed')
  assert.ok(quickExitsAfter(n, 0) >= CRASH_LOOP_EXITS)
})
