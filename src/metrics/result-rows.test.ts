/**
 * A backlog / recovery verdict reads the same everywhere a queue check's does: the JSON result,
 * JUnit and the UI's run view, each with the one line.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, JournalEventBody } from '../engine/events.js'
import { deriveResult } from '../engine/result.js'
import { junitXml } from '../report/junit.js'
import { applyEvents, createRunView } from '../shared/run-view.js'
import { judgeMetricCheck } from './judge.js'
import { faultWindows } from '../engine/fault-windows.js'

const T0 = 1_700_000_000_000

function journal(bodies: (JournalEventBody & { at: number })[]): JournalEvent[] {
  return bodies.map(({ at, ...b }, i) => ({ ...b, seq: i, t: T0 + at }) as JournalEvent)
}

const sample = (at: number, value: number): JournalEventBody & { at: number } => ({
  at,
  type: 'metric.sample',
  metricId: 'metric/queue-depth',
  name: 'queue-depth',
  sample: { t: T0 + at, value },
})

function run(): JournalEvent[] {
  const before = journal([
    {
      at: 0,
      type: 'run.started',
      runId: 'r1',
      experiment: 'backlog',
      hypothesis: 'h',
      plan: [
        {
          id: 'run',
          name: 'backlog',
          kind: 'serial',
          path: 'spec',
          weight: 10,
          scored: false,
          probes: [],
          plannedStartMs: 0,
          plannedDurationMs: 20_000,
        },
        {
          id: 'run.0',
          name: 'stop-consumer',
          kind: 'fault',
          faultType: 'process-pause',
          path: 'spec.steps[0]',
          weight: 10,
          scored: true,
          probes: [],
          plannedStartMs: 0,
          plannedDurationMs: 10_000,
          parent: 'run',
        },
      ],
      checks: [{ id: 'check/drains', name: 'drains', type: 'backlog', stepId: 'run' }],
    },
    sample(1000, 0),
    {
      at: 2000,
      type: 'fault.injected',
      faultId: 'run.0',
      stepId: 'run.0',
      faultType: 'process-pause',
      targets: ['consumer-0'],
    },
    sample(3000, 2000),
    sample(6000, 4210),
    {
      at: 7000,
      type: 'metric.failed',
      metricId: 'metric/queue-depth',
      name: 'queue-depth',
      error: 'ECONNREFUSED',
    },
    { at: 12_000, type: 'fault.reverted', faultId: 'run.0' },
    sample(13_000, 3000),
    sample(20_400, 12),
  ])
  const result = judgeMetricCheck(
    { name: 'drains', type: 'backlog', metric: 'queue-depth', below: 100, within: '30s' },
    before,
    faultWindows({ events: before })
  )
  return [
    ...before,
    {
      type: 'check.result',
      checkId: 'check/drains',
      name: 'drains',
      checkType: 'backlog',
      result,
      seq: before.length,
      t: T0 + 21_000,
    },
  ]
}

const kLine = 'drained to 12 < 100 in 8.4 s after "stop-consumer" ended (peak 4 210 at +6.0 s)'

test('the JSON result and JUnit carry the verdict and the one line', () => {
  const result = deriveResult(run())
  const check = result.checks[0]!
  assert.equal(check.verdict, 'Passed')
  assert.equal(check.message, kLine)
  assert.equal(check.details?.type, 'backlog')
  const xml = junitXml(result)
  assert.match(xml, /<testcase [^>]*name="drains \(backlog\)"/)
})

test('the run view shows the verdict and the line; a failing one fails the run with it', () => {
  const view = applyEvents(createRunView(), run())
  assert.equal(view.checks[0]!.verdict, 'Passed')
  assert.equal(view.checks[0]!.message, kLine)

  const events = run()
  const last = events[events.length - 1]!
  assert.equal(last.type, 'check.result')
  if (last.type === 'check.result' && last.result?.type === 'backlog') {
    last.result = { ...last.result, valid: false, reason: 'never below 100' }
  }
  const failed = deriveResult(events)
  assert.equal(failed.verdict, 'fail')
  assert.match(
    failed.reason!,
    /check drains \(backlog\) failed: never below 100 \(peak 4 210 at \+6\.0 s\)/
  )
  assert.match(
    junitXml(failed),
    /<failure [^>]*message="never below 100 \(peak 4 210 at \+6\.0 s\)"/
  )
})
