import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeadManSwitch, leaseReason } from './lease.js'

test('a run is aborted once the server has been silent longer than its lease, once', () => {
  const aborted: [string, string][] = []
  const sw = new DeadManSwitch(0, (runId, reason) => aborted.push([runId, reason]))
  const runs = [
    { runId: 'a', leaseMs: 30_000 },
    { runId: 'b', leaseMs: 5_000 },
  ]
  assert.deepEqual(sw.tick(5_000, runs), []) // exactly the lease: not yet
  assert.deepEqual(sw.tick(5_001, runs), ['b'])
  sw.heard(6_000) // a ping: the clock starts again, b stays aborted
  assert.deepEqual(sw.tick(30_000, runs), [])
  assert.deepEqual(sw.tick(36_001, runs), ['a'])
  assert.deepEqual(sw.tick(90_000, runs), [])
  assert.deepEqual(aborted, [
    ['b', leaseReason(5_000)],
    ['a', leaseReason(30_000)],
  ])
  assert.equal(
    leaseReason(30_000),
    'lost the Chaos Center for 30s (lease): faults rolled back on this host'
  )
})

test('frames keep every run alive; a clock that goes back does not', () => {
  const sw = new DeadManSwitch(0, () => assert.fail('aborted'))
  for (let t = 0; t < 120_000; t += 250) {
    if (t % 5_000 === 0) {
      sw.heard(t)
    }
    sw.tick(t, [{ runId: 'a', leaseMs: 10_000 }])
  }
  sw.heard(50) // an older timestamp never moves lastServerFrameAt back
  assert.equal(sw.lastServerFrameAt, 115_000)
})

test('a forgotten run sent again gets its own dead-man abort (review #16)', () => {
  const aborted: string[] = []
  const sw = new DeadManSwitch(0, (runId) => aborted.push(runId))
  const runs = [{ runId: 'a', leaseMs: 1_000 }]
  assert.deepEqual(sw.tick(1_001, runs), ['a'])
  sw.forget('a') // the executor dropped it; the server sends the same runId again
  sw.heard(2_000)
  assert.deepEqual(sw.tick(2_500, runs), [])
  assert.deepEqual(sw.tick(3_001, runs), ['a'])
  assert.deepEqual(aborted, ['a', 'a'])
})
