import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, JournalEventBody, PlannedStep } from './events.js'
import { NOT_RUN_STOPPED, notRunVerdicts } from './not-run.js'

const step = (id: string, probes: string[]): PlannedStep => ({
  id,
  name: id,
  kind: 'wait',
  path: id,
  weight: 10,
  scored: true,
  probes: probes.map((p) => ({ id: `${id}/${p}`, name: p, type: 'cmd', mode: 'EOT' })),
  plannedStartMs: 0,
  plannedDurationMs: 0,
})

const journal = (...bodies: JournalEventBody[]): JournalEvent[] =>
  bodies.map((b, seq) => ({ ...b, seq, t: seq }) as JournalEvent)

const started: JournalEventBody = {
  type: 'run.started',
  runId: 'r',
  experiment: 'x',
  hypothesis: 'h',
  plan: [step('a', ['pa']), step('b', ['pb'])],
}

test('a stopped run: a started step reads stopped, a later one names where it stopped', () => {
  const verdicts = notRunVerdicts(
    journal(
      started,
      { type: 'step.started', stepId: 'a' },
      {
        type: 'run.aborted',
        kind: 'error',
        reason: 'boom',
      }
    )
  )
  assert.deepEqual(
    verdicts.map((v) => [v.name, v.verdict, v.message]),
    [
      ['pa', 'N/A', NOT_RUN_STOPPED],
      ['pb', 'N/A', 'not run: the run stopped before step "b" started'],
    ]
  )
})

test('a system that failed to start, and probes already judged', () => {
  const verdicts = notRunVerdicts(
    journal(
      started,
      {
        type: 'probe.verdict',
        probeId: 'a/pa',
        stepId: 'a',
        name: 'pa',
        probeType: 'cmd',
        mode: 'EOT',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'system.failed', error: 'x' }
    )
  )
  assert.deepEqual(
    verdicts.map((v) => [v.name, v.message]),
    [['pb', 'not run: the system failed to start']]
  )
})
