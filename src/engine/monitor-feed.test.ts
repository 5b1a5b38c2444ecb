import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Journal } from './journal.js'
import { MonitorFeed } from './monitor-feed.js'
import { deriveResult } from './result.js'
import { formatSummary } from '../report/terminal.js'
import { accept, fail, goto, monitor, when, all } from '../monitors/index.js'
import type { Observation } from '../monitors/observation.js'
import type { PlannedStep } from './events.js'

const plan: PlannedStep[] = [
  {
    id: 'run',
    name: 'monitored',
    kind: 'serial',
    path: 'spec',
    weight: 10,
    scored: true,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 0,
  },
]

/** Down after a process-kill, back up afterwards: accepted; never back: still down at the end. */
const comesBack = monitor<'up' | 'killed' | 'back', Observation>(
  'comes-back',
  'up',
  {
    up: [when((o) => o.name === 'fault.injected', goto('killed'), 'kill')],
    killed: [when((o) => o.kind === 'probe' && o.passed, goto('back'), 'answers')],
    back: { accepting: true },
  },
  { describe: (o) => `${o.name}${o.kind === 'probe' ? (o.passed ? ' passed' : ' failed') : ''}` }
)

function run(observe: (journal: Journal, feed: MonitorFeed) => void) {
  const journal = new Journal()
  journal.emit({
    type: 'run.started',
    runId: 'r-1',
    experiment: 'monitored',
    hypothesis: 'it comes back',
    plan,
    monitors: [{ name: 'comes-back', initial: 'up', states: ['up', 'killed', 'back'] }],
  })
  journal.emit({ type: 'step.started', stepId: 'run' })
  const feed = new MonitorFeed({
    monitors: [comesBack],
    emit: (body) => journal.emit(body),
    probeNames: new Map([['run/api-up', 'api-up']]),
  })
  journal.subscribe(feed.onEvent)
  feed.start()
  observe(journal, feed)
  return { journal, feed }
}

const kill = (journal: Journal) =>
  journal.emit({
    type: 'fault.injected',
    faultId: 'run.0',
    stepId: 'run.0',
    faultType: 'process-kill',
    targets: ['api-0'],
  })
const attempt = (journal: Journal, passed: boolean) =>
  journal.emit({
    type: 'probe.attempt',
    probeId: 'run/api-up',
    phase: 'during',
    passed,
    message: passed ? 'status 200' : 'connect ECONNREFUSED',
    value: passed ? 200 : 'ECONNREFUSED',
  })

describe('MonitorFeed: journal events in, transitions and verdicts in the journal, the result', () => {
  it('a monitor that sees the kill and the probe pass again accepts; the run passes', async () => {
    const { journal, feed } = run((j) => {
      kill(j)
      attempt(j, false)
      attempt(j, true)
    })
    await feed.stop()
    journal.emit({ type: 'step.ended', stepId: 'run', status: 'ok' })
    journal.emit({ type: 'run.ended' })
    const types = journal.events.map((e) => e.type)
    // Each transition comes after the event that caused it.
    assert.ok(types.indexOf('monitor.transition') > types.indexOf('fault.injected'))
    const result = deriveResult(journal.events)
    assert.equal(result.verdict, 'pass')
    const [m] = result.monitors!
    assert.equal(m!.verdict, 'accept')
    assert.equal(m!.state, 'back')
    assert.deepEqual(
      m!.transitions.map((t) => [t.from, t.to, t.trigger, t.observation]),
      [
        ['up', 'killed', 'observation', 'fault.injected'],
        ['killed', 'back', 'observation', 'api-up passed'],
        ['back', 'accept', 'end', undefined],
      ]
    )
    assert.equal(result.resilienceScore, 100)
    assert.match(
      formatSummary(result),
      /monitors[\s\S]*comes-back\s+accept\s+.*up → killed → back → accept/
    )
  })

  it('a monitor still down at the end fails the run, naming the state and score', async () => {
    const { journal, feed } = run((j) => {
      kill(j)
      attempt(j, false)
    })
    await feed.stop()
    journal.emit({ type: 'step.ended', stepId: 'run', status: 'ok' })
    journal.emit({ type: 'run.ended' })
    const result = deriveResult(journal.events)
    assert.equal(result.verdict, 'fail')
    assert.match(
      result.reason!,
      /^monitor comes-back failed: still in state 'killed' when the steps ended \(comes-back: killed → fail at the end of the steps at \+\d+ms\)$/
    )
    assert.equal(result.resilienceScore, 0)
    assert.equal(result.monitors![0]!.decidedBy?.to, 'fail')
  })

  it('pushed observations (the TypeScript form) and a composite: the failing part is named', async () => {
    const noErrors = monitor<'ok', Observation>('no-errors', 'ok', {
      ok: [when((o) => o.kind === 'value' && o.value === 'error', fail('an error was seen'))],
    })
    const journal = new Journal()
    journal.emit({
      type: 'run.started',
      runId: 'r-2',
      experiment: 'pushed',
      hypothesis: 'no error',
      plan,
      monitors: [{ name: 'both', initial: 'running', states: ['comes-back', 'no-errors'] }],
    })
    let now = 1_000
    const feed = new MonitorFeed({
      monitors: [all('both', comesBack, noErrors)],
      emit: (body) => journal.emit(body),
      now: () => now,
    })
    feed.start()
    now = 1_500
    feed.push({ kind: 'value', name: 'log', value: 'error' })
    await feed.stop()
    journal.emit({ type: 'run.ended' })
    const result = deriveResult(journal.events)
    assert.equal(result.verdict, 'fail')
    assert.match(
      result.reason!,
      /monitor both failed: no-errors: an error was seen \(both\/no-errors: ok → fail on /
    )
    assert.equal(result.monitors![0]!.decidedBy?.monitor, 'both/no-errors')
  })

  it('a state timeout fires on its own timer, with no observation to wake it', async () => {
    const timed = monitor<'waiting', Observation>('must-see-kill', 'waiting', {
      waiting: { on: [when((o) => o.name === 'fault.injected', accept())], within: 30 },
    })
    const journal = new Journal()
    journal.emit({ type: 'run.started', runId: 'r-3', experiment: 'x', hypothesis: 'h', plan })
    const feed = new MonitorFeed({ monitors: [timed], emit: (body) => journal.emit(body) })
    feed.start()
    const deadline = Date.now() + 5_000
    while (!journal.events.some((e) => e.type === 'monitor.ended') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const ended = journal.events.find((e) => e.type === 'monitor.ended')
    assert.ok(ended && ended.type === 'monitor.ended')
    assert.equal(ended.reason, "no transition left state 'waiting' within 30ms")
    await feed.stop()
  })
})
