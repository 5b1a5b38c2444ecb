import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { JournalEvent, JournalEventBody } from '../engine/events.js'
import type { TransitionRecord } from '../monitors/contract.js'
import { deriveResult } from '../engine/result.js'
import { ReportCollector } from '../report/html/collect.js'
import { laneFailureText, monitorLane, monitorLanes } from './monitor-lanes.js'
import { applyEvents, createRunView, type MonitorView } from './run-view.js'

const T0 = 1_700_000_000_000

/** Numbers events from 0 and stamps them `T0 + ms`. */
function journal(...items: [number, JournalEventBody][]): JournalEvent[] {
  return items.map(([ms, body], seq) => ({ ...body, seq, t: T0 + ms }) as JournalEvent)
}

function moved(ms: number, from: string, to: string, more: Partial<TransitionRecord> = {}) {
  return {
    type: 'monitor.transition' as const,
    monitor: 'comes-back',
    transition: {
      monitor: 'comes-back',
      from,
      to,
      trigger: 'observation' as const,
      at: T0 + ms,
      ...more,
    },
  }
}

/** never-back.yaml's journal: killed, seen down, never back, failed on the state's timeout. */
const neverBack = journal(
  [
    0,
    {
      type: 'run.started',
      runId: 'r',
      experiment: 'never-back',
      hypothesis: 'h',
      plan: [],
      monitors: [{ name: 'comes-back', initial: 'up', states: ['up', 'killed', 'down', 'back'] }],
    },
  ],
  [500, { type: 'system.ready' }],
  [1000, moved(1000, 'up', 'killed', { observation: 'fault.injected process-kill' })],
  [1200, moved(1200, 'killed', 'down', { observation: 'api-up failed', rule: 'when[0]' })],
  [4200, moved(4200, 'down', 'fail', { trigger: 'timeout', rule: 'timeout' })],
  [
    4200,
    {
      type: 'monitor.ended',
      monitor: 'comes-back',
      verdict: 'fail',
      reason: "no transition left state 'down' within 3s",
      state: 'down',
      transition: {
        monitor: 'comes-back',
        from: 'down',
        to: 'fail',
        trigger: 'timeout',
        at: T0 + 4200,
        rule: 'timeout',
      },
    },
  ],
  [5000, { type: 'run.ended' }]
)

describe('monitor lanes from the journal', () => {
  test("never-back: its states in order, the failure at the timeout's time, in words", () => {
    const view = applyEvents(createRunView(), neverBack)
    const [lane] = monitorLanes(view.monitors, {
      origin: view.startedAt!,
      since: view.readyAt,
      until: view.endedAt!,
    })
    assert.deepEqual(lane!.segments, [
      { state: 'up', start: 0.5, end: 1, open: false },
      { state: 'killed', start: 1, end: 1.2, open: false },
      { state: 'down', start: 1.2, end: 4.2, open: false },
    ])
    assert.equal(lane!.verdict, 'fail')
    assert.equal(lane!.endAt, 4.2)
    assert.equal(
      laneFailureText(lane!),
      "no transition left state 'down' within 3s — down → fail on timeout at +4.2s"
    )
  })

  test('the HTML report embeds the same lane the run page draws', () => {
    const view = applyEvents(createRunView(), neverBack)
    const data = new ReportCollector().addAll(neverBack).finish(deriveResult(neverBack))
    assert.deepEqual(
      data.monitors,
      monitorLanes(view.monitors, { origin: T0, since: view.readyAt, until: view.endedAt! })
    )
    assert.deepEqual(
      data.monitors![0]!.segments.map((s) => s.state),
      ['up', 'killed', 'down']
    )
  })

  test('live: the current state is an open segment up to now, and no verdict yet', () => {
    const view = applyEvents(createRunView(), neverBack.slice(0, 4))
    const lane = monitorLane(view.monitors[0]!, {
      origin: T0,
      since: view.readyAt,
      until: T0 + 2500,
    })
    assert.deepEqual(lane.segments.at(-1), { state: 'down', start: 1.2, end: 2.5, open: true })
    assert.equal(lane.verdict, undefined)
  })

  test('before it moves: one open segment in the planned initial state', () => {
    const view = applyEvents(createRunView(), neverBack.slice(0, 2))
    const lane = monitorLane(view.monitors[0]!, {
      origin: T0,
      since: view.readyAt,
      until: T0 + 800,
    })
    assert.deepEqual(lane.segments, [{ state: 'up', start: 0.5, end: 0.8, open: true }])
  })

  test("a composite's lane: one running segment, the part that decided named", () => {
    const part: TransitionRecord = {
      monitor: 'both/a',
      from: 'x',
      to: 'fail',
      trigger: 'observation',
      at: T0 + 3000,
      observation: 'v = 2',
    }
    const m: MonitorView = {
      name: 'both',
      states: [],
      transitions: [{ ...part, from: 'up', to: 'x', at: T0 + 1000 }, part],
      verdict: 'fail',
      reason: 'a: boom',
      decidedBy: part,
    }
    const lane = monitorLane(m, { origin: T0, since: T0, until: T0 + 9000 })
    assert.deepEqual(lane.segments, [{ state: 'running', start: 0, end: 3, open: false }])
    assert.equal(lane.transition, 'both/a: x → fail on v = 2 at +3s')
  })
})

/** A random walk of a monitor: state changes at increasing times, maybe a stop at the end. */
const walks = fc.record({
  since: fc.integer({ min: 0, max: 1000 }),
  steps: fc.array(
    fc.record({ gap: fc.integer({ min: 0, max: 5000 }), to: fc.constantFrom('a', 'b', 'c') }),
    { maxLength: 20 }
  ),
  stop: fc.option(fc.constantFrom('accept' as const, 'fail' as const)),
  tail: fc.integer({ min: 0, max: 5000 }),
})

describe('monitor lanes, any walk', () => {
  test('segments tile the time from the start to the stop (or now), states in order', () => {
    fc.assert(
      fc.property(walks, ({ since, steps, stop, tail }) => {
        let at = T0 + since
        let from = 'init'
        const transitions: TransitionRecord[] = []
        for (const s of [...steps, ...(stop ? [{ gap: tail, to: stop }] : [])]) {
          at += s.gap
          transitions.push({ monitor: 'm', from, to: s.to, trigger: 'observation', at })
          from = s.to
        }
        const until = at + tail + 1
        const lane = monitorLane(
          { name: 'm', initial: 'init', states: [], transitions },
          { origin: T0, since: T0 + since, until }
        )
        const states = ['init', ...steps.map((s) => s.to)]
        assert.deepEqual(
          lane.segments.map((s) => s.state),
          states
        )
        assert.equal(lane.segments[0]!.start, since / 1000)
        for (const [i, s] of lane.segments.entries()) {
          assert.ok(s.end >= s.start)
          assert.equal(s.start, i === 0 ? since / 1000 : lane.segments[i - 1]!.end)
          assert.equal(s.open, !stop && i === lane.segments.length - 1)
        }
        const last = lane.segments.at(-1)!
        assert.equal(last.end, stop ? (at - T0) / 1000 : (until - T0) / 1000)
        assert.equal(lane.verdict, stop ?? undefined)
        assert.equal(lane.endAt, stop ? last.end : undefined)
      })
    )
  })
})
