/**
 * Synthetic journals for the recorder and metrics unit tests: a real run's shape (run.started
 * with a plan, a fault, a probe, ops) without running anything.
 * @module
 */
import type { JournalEvent, JournalEventBody } from '../../src/engine/events.js'

export function journalOf(bodies: JournalEventBody[], from = 0): JournalEvent[] {
  const t0 = Date.UTC(2024, 0, 1)
  return bodies.map((body, i) => ({ ...body, seq: from + i, t: t0 + (from + i) * 10 }))
}

export function runStarted(runId: string, experiment: string): JournalEventBody {
  return {
    type: 'run.started',
    runId,
    experiment,
    hypothesis: 'it holds',
    plan: [
      {
        id: 'kill',
        name: 'kill',
        kind: 'fault',
        path: 'kill',
        weight: 1,
        scored: true,
        faultType: 'process-kill',
        probes: [{ id: 'kill/up', name: 'up', type: 'http', mode: 'Continuous' }],
        plannedStartMs: 0,
        plannedDurationMs: 1000,
      },
    ],
  }
}

/** A passing run: the fault injected and reverted, the probe passed. */
export function passingRun(runId: string, experiment: string, ops = 0): JournalEventBody[] {
  const op: JournalEventBody = {
    type: 'op',
    stepId: 'kill',
    op: { seq: 0, process: 0, type: 'invoke', f: 'GET /', time: 0 },
  }
  return [
    runStarted(runId, experiment),
    { type: 'step.started', stepId: 'kill' },
    {
      type: 'fault.injected',
      faultId: 'kill',
      stepId: 'kill',
      faultType: 'process-kill',
      targets: ['api-0'],
    },
    { type: 'probe.attempt', probeId: 'kill/up', phase: 'during', passed: true, message: 'ok' },
    ...Array.from({ length: ops }, () => op),
    { type: 'fault.reverted', faultId: 'kill' },
    {
      type: 'probe.verdict',
      probeId: 'kill/up',
      stepId: 'kill',
      name: 'up',
      probeType: 'http',
      mode: 'Continuous',
      verdict: 'Passed',
      message: 'ok',
    },
    { type: 'step.ended', stepId: 'kill', status: 'ok' },
    { type: 'run.ended' },
  ]
}
