/**
 * Debounce windows on a ManualClock: one close per window, every event counted once, a window
 * never closed twice, and dropped windows never closed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ManualClock } from '../../../test/support/manual-clock.js'
import { Debouncer, type Window } from './debounce.js'
import type { DeclaredTrigger } from './declared.js'

const trigger = (debounceMs: number, name = 'deploys'): DeclaredTrigger => ({
  experimentId: 'exp_1',
  experimentName: 'orders',
  name,
  on: 'webhook',
  hook: 'ci',
  conditions: [],
  conditionType: 'and',
  debounceMs,
})

const event = (n: number) => ({
  source: 'webhook' as const,
  hook: 'ci',
  fields: { n },
  summary: `event ${n}`,
})

test('a burst inside the window closes once, with the count and the last event', async () => {
  const clock = new ManualClock()
  const closed: Window[] = []
  const d = new Debouncer(clock, (w) => closed.push(w))
  for (let i = 0; i < 20; i++) {
    d.add(trigger(30_000), event(i))
    await clock.advance(1_000)
  }
  assert.equal(d.pending('exp_1', 'deploys'), 20)
  assert.equal(closed.length, 0)
  await clock.advance(10_000)
  assert.equal(closed.length, 1)
  assert.equal(closed[0]?.events, 20)
  assert.equal(closed[0]?.last.summary, 'event 19')
  assert.equal(d.pending('exp_1', 'deploys'), 0)
  await clock.advance(3_600_000)
  assert.equal(closed.length, 1)
})

test('each trigger has its own window; dropped windows never close', async () => {
  const clock = new ManualClock()
  const closed: Window[] = []
  const d = new Debouncer(clock, (w) => closed.push(w))
  d.add(trigger(5_000, 'a'), event(1))
  d.add(trigger(5_000, 'b'), event(2))
  assert.equal(d.dropExperiment('exp_1').length, 2)
  d.add(trigger(5_000, 'c'), event(3))
  assert.deepEqual(
    d.dropAll().map((w) => w.trigger.name),
    ['c']
  )
  await clock.advance(60_000)
  assert.equal(closed.length, 0)
})

test('property: windows match the model (an event at or after a window’s end opens the next)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 60_000 }),
      fc.array(fc.integer({ min: 0, max: 90_000 }), { minLength: 1, maxLength: 40 }),
      async (debounceMs, gaps) => {
        const clock = new ManualClock()
        const closed: Window[] = []
        const d = new Debouncer(clock, (w) => closed.push(w))
        // The model: a window opened at t0 takes every event before t0 + debounce.
        const model: number[] = []
        let end = -Infinity
        let t = 0
        for (const [i, gap] of gaps.entries()) {
          t += gap
          await clock.advance(gap)
          if (t >= end) {
            model.push(0)
            end = t + debounceMs
          }
          model[model.length - 1]!++
          d.add(trigger(debounceMs), event(i))
        }
        await clock.advance(debounceMs)
        assert.deepEqual(
          closed.map((w) => w.events),
          model
        )
        assert.equal(d.pending('exp_1', 'deploys'), 0)
      }
    ),
    { numRuns: 200 }
  )
})

test('windows keyed by agent close separately, each with its own agent and delivery rows', async () => {
  const clock = new ManualClock()
  const closed: Window[] = []
  const d = new Debouncer(clock, (w) => closed.push(w))
  d.add(trigger(10_000), { ...event(1), deliveryRow: 'r1' }, 'prod')
  d.add(trigger(10_000), { ...event(2), deliveryRow: 'r2' }, 'staging')
  d.add(trigger(10_000), { ...event(3), deliveryRow: 'r3' }, 'prod')
  assert.equal(d.pending('exp_1', 'deploys'), 3)
  await clock.advance(10_000)
  const byAgent = new Map(closed.map((w) => [w.agent, w]))
  assert.equal(closed.length, 2)
  assert.equal(byAgent.get('prod')?.events, 2)
  assert.deepEqual(byAgent.get('prod')?.deliveryRows, ['r1', 'r3'])
  assert.equal(byAgent.get('staging')?.events, 1)
  assert.deepEqual(byAgent.get('staging')?.deliveryRows, ['r2'])
})
