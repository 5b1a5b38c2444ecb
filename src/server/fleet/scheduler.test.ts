import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { AgentView } from './placement.js'
import { Scheduler, timeoutReason, type SchedulerAction } from './scheduler.js'

const MIN = 60_000
const edge = (running: string[] = [], maxRuns = 1): AgentView => ({
  name: 'edge-1',
  labels: { zone: 'eu' },
  connected: true,
  maxRuns,
  running,
})

test('a queued run waits with its reason (published once), then goes when its agent is free', () => {
  const s = new Scheduler()
  s.enqueue({ runId: 'r1', placement: { agent: 'edge-1' }, queuedAt: 0, deadline: 10 * MIN })
  assert.deepEqual(s.evaluate(1000, []), [
    {
      type: 'reason',
      runId: 'r1',
      reason: 'no agent named edge-1 is connected (never connected)',
    },
  ])
  assert.deepEqual(s.evaluate(2000, []), [])
  assert.deepEqual(s.evaluate(3000, [edge(['r0'])]), [
    { type: 'reason', runId: 'r1', reason: 'agent edge-1 is busy (run r0, 1 of 1)' },
  ])
  assert.deepEqual(s.evaluate(4000, [edge()]), [{ type: 'dispatch', runId: 'r1', agent: 'edge-1' }])
  assert.equal(s.size, 0)
})

test('FIFO: one evaluation never sends an agent more runs than it has slots', () => {
  const s = new Scheduler()
  for (const id of ['r1', 'r2', 'r3']) {
    s.enqueue({ runId: id, placement: { labels: { zone: 'eu' } }, queuedAt: 0, deadline: MIN })
  }
  const actions = s.evaluate(1, [edge([], 2)])
  assert.deepEqual(
    actions.map((a) => `${a.type} ${a.runId}`),
    ['dispatch r1', 'dispatch r2', 'reason r3']
  )
  assert.equal(
    (actions[2] as Extract<SchedulerAction, { type: 'reason' }>).reason,
    'every connected agent with labels zone=eu is busy'
  )
})

test('a run times out at its deadline with a reason that says what it waited for', () => {
  const s = new Scheduler()
  s.enqueue({ runId: 'r1', placement: { agent: 'edge-1' }, queuedAt: 0, deadline: 10 * MIN })
  s.enqueue({ runId: 'r2', placement: { labels: { zone: 'eu' } }, queuedAt: 0, deadline: 90_000 })
  s.evaluate(0, [])
  assert.deepEqual(s.evaluate(10 * MIN, [edge()]), [
    {
      type: 'timeout',
      runId: 'r1',
      reason:
        'not started: no agent named edge-1 was connected and free within 10m (queue timeout)',
    },
    {
      type: 'timeout',
      runId: 'r2',
      reason:
        'not started: no agent with labels zone=eu was connected and free within 1m30s (queue timeout)',
    },
  ])
})

test('removed (cancelled) runs leave the queue; a re-enqueued run keeps one place', () => {
  const s = new Scheduler()
  const run = { runId: 'r1', placement: { agent: 'edge-1' }, queuedAt: 0, deadline: MIN }
  s.enqueue(run)
  s.enqueue(run)
  assert.equal(s.size, 1)
  assert.equal(s.remove('r1')?.runId, 'r1')
  assert.equal(s.has('r1'), false)
  assert.deepEqual(s.evaluate(0, [edge()]), [])
})

test('every run is dispatched, timed out or still queued; no agent is over-filled', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          placement: fc.oneof(
            fc.record({ agent: fc.constantFrom('a', 'b') }),
            fc.record({ labels: fc.constantFrom({ zone: 'eu' }, { zone: 'us' }) })
          ),
          deadline: fc.integer({ min: 0, max: 100 }),
        }),
        { maxLength: 20 }
      ),
      fc.array(
        fc.record({
          name: fc.constantFrom('a', 'b', 'c'),
          labels: fc.constantFrom({ zone: 'eu' }, { zone: 'us' }),
          connected: fc.boolean(),
          maxRuns: fc.integer({ min: 1, max: 3 }),
          running: fc.array(fc.constant('x'), { maxLength: 2 }),
        }),
        { maxLength: 3 }
      ),
      fc.integer({ min: 0, max: 100 }),
      (runs, agents, now) => {
        const unique = agents.filter((a, i) => agents.findIndex((b) => b.name === a.name) === i)
        const s = new Scheduler()
        runs.forEach((run, i) => s.enqueue({ runId: `r${i}`, queuedAt: 0, ...run }))
        const actions = s.evaluate(now, unique)
        const gone = actions.filter((a) => a.type !== 'reason').map((a) => a.runId)
        assert.equal(new Set(gone).size, gone.length)
        assert.equal(s.size + gone.length, runs.length)
        for (const agent of unique) {
          const sent = actions.filter((a) => a.type === 'dispatch' && a.agent === agent.name)
          assert.ok(
            agent.running.length + sent.length <= Math.max(agent.maxRuns, agent.running.length)
          )
          assert.ok(sent.length === 0 || agent.connected)
        }
        for (const action of actions) {
          const run = runs[Number(action.runId.slice(1))]!
          assert.equal(action.type === 'timeout', now >= run.deadline)
        }
      }
    )
  )
})

test('timeoutReason formats the wait as a duration', () => {
  assert.match(
    timeoutReason({ placement: { agent: 'x' }, queuedAt: 1000, deadline: 1000 + 30_000 }),
    /within 30s \(queue timeout\)$/
  )
})

test('a parts run takes a slot on every agent it names in one evaluation', () => {
  const scheduler = new Scheduler()
  const parts = { a: 'x', b: 'y' }
  scheduler.enqueue({ runId: 'm', placement: { parts }, queuedAt: 0, deadline: 1000 })
  scheduler.enqueue({ runId: 'r', placement: { agent: 'y' }, queuedAt: 0, deadline: 1000 })
  const view = (name: string) => ({
    name,
    labels: {},
    connected: true,
    maxRuns: 1,
    running: [],
    features: ['parts'],
  })
  assert.deepEqual(scheduler.evaluate(0, [view('x'), view('y')]), [
    { type: 'dispatch-parts', runId: 'm', parts },
    { type: 'reason', runId: 'r', reason: 'agent y is busy (run m, 1 of 1)' },
  ])
  scheduler.enqueue({ runId: 'late', placement: { parts }, queuedAt: 0, deadline: 1000 })
  assert.deepEqual(scheduler.evaluate(1000, []), [
    {
      type: 'timeout',
      runId: 'r',
      reason: 'not started: no agent named y was connected and free within 1s (queue timeout)',
    },
    {
      type: 'timeout',
      runId: 'late',
      reason:
        'not started: agents a=x b=y were not all connected and free within 1s (queue timeout)',
    },
  ])
})
