import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { FaultWindow } from '../checks/contract.js'
import type { JournalEvent, JournalEventBody } from '../engine/events.js'
import type { JournalListener } from '../engine/journal.js'
import type { MetricSpec } from './contract.js'
import { awaitMetricWindows } from './settle.js'
import { pendingWindow, waitingMessage } from './window.js'

const T0 = 1_000_000
/** The fault is the last step: injected at +10 s, reverted at +20 s, the steps end there. */
const faults: FaultWindow[] = [
  {
    faultId: 'run.1',
    type: 'process-pause',
    name: 'stop-consumer',
    start: T0 + 10_000,
    end: T0 + 20_000,
  },
]
const backlog = {
  name: 'backlog-drains',
  type: 'backlog' as const,
  metric: 'queue-depth',
  below: 100,
  within: '30s',
}
const recovery = {
  name: 'dump-rate-recovers',
  type: 'recovery' as const,
  metric: 'dump-rate',
  atLeast: '90%',
  within: '30s',
  baseline: '10s',
}
const s = (sec: number, value: number) => ({ t: T0 + sec * 1000, value })

describe('metric check windows', () => {
  it('a backlog not yet below after the revert waits until revert + within + one interval', () => {
    const samples = [s(5, 0), s(15, 400), s(20, 380)]
    assert.deepEqual(pendingWindow(backlog, samples, faults, 1000, T0 + 20_000), {
      metric: 'queue-depth',
      goal: 'drain',
      until: T0 + 51_000,
    })
    // Past the window, more readings cannot change the verdict.
    assert.equal(pendingWindow(backlog, samples, faults, 1000, T0 + 51_000), undefined)
  })

  it('a backlog is decided by the first reading below after the revert, not one before it', () => {
    assert.equal(pendingWindow(backlog, [s(5, 0), s(25, 60)], faults, 1000, T0 + 26_000), undefined)
    assert.ok(pendingWindow(backlog, [s(5, 0), s(19, 50)], faults, 1000, T0 + 20_000))
  })

  it('a recovery is decided at ≥ atLeast × before, or at once when there is no baseline', () => {
    const base = [s(1, 100), s(9, 100), s(15, 10)]
    assert.equal(pendingWindow(recovery, base, faults, 1000, T0 + 21_000)?.goal, 'recover')
    assert.equal(
      pendingWindow(recovery, [...base, s(21, 85)], faults, 1000, T0 + 21_000)?.goal,
      'recover'
    )
    assert.equal(
      pendingWindow(recovery, [...base, s(22, 95)], faults, 1000, T0 + 22_000),
      undefined
    )
    assert.equal(pendingWindow(recovery, [s(15, 10)], faults, 1000, T0 + 21_000), undefined)
    assert.equal(pendingWindow(recovery, [s(5, 0), s(15, 0)], faults, 1000, T0 + 21_000), undefined)
  })

  it('nothing to wait for without a fault, or with one never reverted', () => {
    assert.equal(pendingWindow(backlog, [], [], 1000, T0), undefined)
    assert.equal(
      pendingWindow(backlog, [], [{ ...faults[0]!, end: undefined }], 1000, T0 + 20_000),
      undefined
    )
    assert.equal(
      pendingWindow({ ...backlog, fault: 'other' }, [], faults, 1000, T0 + 20_000),
      undefined
    )
  })

  it('says what it waits for, once per metric and goal', () => {
    const w = { until: 0 }
    assert.equal(
      waitingMessage(
        [
          { ...w, metric: 'queue-depth', goal: 'drain' },
          { ...w, metric: 'queue-depth', goal: 'drain' },
          { ...w, metric: 'dump-rate', goal: 'recover' },
        ],
        '30 s'
      ),
      'waiting up to 30 s for queue-depth to drain and dump-rate to recover'
    )
  })
})

const metric = (name: string): MetricSpec => ({
  id: `metric/${name}`,
  name,
  intervalMs: 1000,
  source: { rabbitmq: { url: 'http://127.0.0.1:1', queue: 'orders' } },
})

/** A journal with a virtual clock: each sleep is one interval, during which `next` reads land. */
function harness(readings: Record<string, number[]>, notAfterSec = 1_000) {
  let clock = T0 + 20_000
  const events: JournalEvent[] = []
  const emitted: JournalEventBody[] = []
  const listeners = new Set<JournalListener>()
  let seq = 0
  const push = (body: JournalEventBody) => {
    const e = { ...body, seq: seq++, t: clock } as JournalEvent
    events.push(e)
    for (const l of listeners) {
      l(e)
    }
  }
  push({
    type: 'metric.sample',
    metricId: 'metric/queue-depth',
    name: 'queue-depth',
    sample: s(5, 0),
  })
  push({
    type: 'metric.sample',
    metricId: 'metric/queue-depth',
    name: 'queue-depth',
    sample: s(15, 400),
  })
  const slept: number[] = []
  const controller = new AbortController()
  const options = {
    checks: [{ params: backlog }],
    metrics: [metric('queue-depth')],
    journal: {
      events,
      subscribe: (l: JournalListener) => {
        listeners.add(l)
        return () => listeners.delete(l)
      },
    },
    emit: (body: JournalEventBody) => emitted.push(body),
    faults: () => faults,
    notAfter: T0 + notAfterSec * 1000,
    signal: controller.signal,
    now: () => clock,
    sleep: (ms: number, signal: AbortSignal) => {
      slept.push(ms)
      if (signal.aborted) {
        return Promise.resolve()
      }
      // One interval passes and a reading lands (it wakes the wait), or the whole wait passes.
      const next = readings['queue-depth']?.shift()
      if (next === undefined) {
        clock += ms
        return Promise.resolve()
      }
      clock += 1000
      push({
        type: 'metric.sample',
        metricId: 'metric/queue-depth',
        name: 'queue-depth',
        sample: { t: clock, value: next },
      })
      return Promise.resolve()
    },
  }
  return { options, emitted, slept, controller, now: () => clock }
}

describe('awaiting the metric checks’ windows after the steps', () => {
  it('waits until the backlog drains, says why once, and stops at the draining reading', async () => {
    const h = harness({ 'queue-depth': [350, 200, 90, 10] })
    await awaitMetricWindows(h.options)
    assert.equal(h.now(), T0 + 23_000, 'stopped at the reading below 100')
    assert.deepEqual(h.emitted, [
      {
        type: 'metric.waiting',
        metrics: ['queue-depth'],
        waitMs: 31_000,
        message: 'waiting up to 31 s for queue-depth to drain',
      },
    ])
  })

  it('gives up at revert + within + one interval when it never drains', async () => {
    const h = harness({ 'queue-depth': [] })
    await awaitMetricWindows(h.options)
    assert.equal(h.now(), T0 + 51_000)
    assert.deepEqual(h.slept, [31_000])
  })

  it('never waits past the run’s bound', async () => {
    const h = harness({ 'queue-depth': [] }, 30)
    await awaitMetricWindows(h.options)
    assert.equal(h.now(), T0 + 30_000)
    assert.match((h.emitted[0] as { message: string }).message, /^waiting up to 10 s /)
  })

  it('stops at once on abort, and does not wait at all when aborted before', async () => {
    const h = harness({ 'queue-depth': [350, 300, 250] })
    h.options.sleep = (ms, signal) => {
      h.slept.push(ms)
      h.controller.abort()
      return signal.aborted ? Promise.resolve() : Promise.reject(new Error('not aborted'))
    }
    await awaitMetricWindows(h.options)
    assert.equal(h.slept.length, 1)
    const again = harness({ 'queue-depth': [] })
    again.controller.abort()
    await awaitMetricWindows(again.options)
    assert.deepEqual(again.slept, [])
    assert.deepEqual(again.emitted, [])
  })

  it('does nothing without metric checks', async () => {
    const h = harness({})
    await awaitMetricWindows({ ...h.options, checks: [{ params: { type: 'queue' } }] })
    assert.deepEqual(h.slept, [])
    assert.deepEqual(h.emitted, [])
  })
})
