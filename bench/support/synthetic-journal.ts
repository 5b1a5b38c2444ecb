/**
 * A journal shaped like a real loaded run (a load step at a steady rate with a fault window in
 * the middle and a Continuous probe), of any length: the Chaos Center benchmarks need 100,000
 * events without waiting 100 s for a real run to make them. Almost all events are `op`s (an
 * invoke and a completion per request), one `load.tick` a second, as the engine writes them.
 * @module
 */
import type { JournalEvent, JournalEventBody } from '../../src/engine/events.js'

export interface SyntheticOptions {
  runId: string
  experiment: string
  /** Total events wanted (approximately: whole seconds of load are generated). */
  events: number
  /** Requests per second of the simulated load (each is 2 events). */
  rate?: number
  /** Wall-clock start (ms). */
  start?: number
}

export function syntheticJournal(options: SyntheticOptions): JournalEvent[] {
  const rate = options.rate ?? 500
  const start = options.start ?? Date.now() - 3_600_000
  const seconds = Math.max(1, Math.round(options.events / (2 * rate + 2)))
  const out: JournalEvent[] = []
  const push = (t: number, body: JournalEventBody) => {
    out.push({ ...body, seq: out.length, t } as JournalEvent)
  }
  const probe = { id: 'p0', name: 'frontend-ok', type: 'http', mode: 'Continuous' as const }
  push(start, {
    type: 'run.started',
    runId: options.runId,
    experiment: options.experiment,
    hypothesis: 'users never notice a killed replica',
    plan: [
      {
        id: 's0',
        name: 'root',
        kind: 'parallel',
        path: 'steps',
        weight: 1,
        scored: false,
        probes: [],
        plannedStartMs: 0,
        plannedDurationMs: seconds * 1000,
      },
      {
        id: 's1',
        name: 'browse',
        kind: 'load',
        path: 'steps[0]',
        weight: 1,
        scored: true,
        probes: [probe],
        plannedStartMs: 0,
        plannedDurationMs: seconds * 1000,
        parent: 's0',
      },
      {
        id: 's2',
        name: 'kill api',
        kind: 'fault',
        path: 'steps[1]',
        weight: 1,
        scored: true,
        faultType: 'process-kill',
        probes: [],
        plannedStartMs: Math.floor(seconds / 3) * 1000,
        plannedDurationMs: Math.ceil(seconds / 3) * 1000,
        parent: 's0',
      },
    ],
  })
  push(start, { type: 'step.started', stepId: 's0' })
  push(start, { type: 'step.started', stepId: 's1' })
  push(start, {
    type: 'load.started',
    stepId: 's1',
    method: 'GET',
    url: 'http://127.0.0.1:8080/items',
    targetRate: rate,
    durationMs: seconds * 1000,
  })
  const faultFrom = Math.floor(seconds / 3)
  const faultTo = faultFrom + Math.ceil(seconds / 3)
  let seq = 0
  for (let s = 0; s < seconds; s++) {
    const t0 = start + s * 1000
    if (s === faultFrom) {
      push(t0, { type: 'step.started', stepId: 's2' })
      push(t0, {
        type: 'fault.injected',
        faultId: 'f0',
        stepId: 's2',
        faultType: 'process-kill',
        targets: ['api-0'],
      })
    }
    if (s === faultTo) {
      push(t0, { type: 'fault.reverted', faultId: 'f0' })
      push(t0, { type: 'step.ended', stepId: 's2', status: 'ok' })
    }
    const inFault = s >= faultFrom && s < faultTo
    for (let i = 0; i < rate; i++) {
      const time = t0 + (i * 1000) / rate
      const op = { seq, process: i % 16, f: 'GET /items', value: `id-${seq}` }
      push(time, { type: 'op', stepId: 's1', op: { ...op, type: 'invoke', time } })
      const latency = inFault && i % 10 === 0 ? 180 : 3 + (i % 7)
      const failed = inFault && i % 50 === 0
      push(time + latency, {
        type: 'op',
        stepId: 's1',
        op: failed
          ? { ...op, type: 'fail', time: time + latency, status: 503, error: 'status 503' }
          : { ...op, type: 'ok', time: time + latency, status: 200 },
      })
      seq += 1
    }
    push(t0 + 1000, {
      type: 'load.tick',
      stepId: 's1',
      tick: {
        second: s,
        sent: rate,
        ok: inFault ? rate - rate / 50 : rate,
        errors: { http: inFault ? rate / 50 : 0, timeout: 0, connection: 0 },
        dropped: 0,
        p50: inFault ? 6 : 5,
        p95: inFault ? 180 : 9,
        p99: inFault ? 185 : 10,
        inFlight: 2,
      },
    })
    push(t0 + 1000, {
      type: 'probe.attempt',
      probeId: 'p0',
      phase: 'during',
      passed: true,
      message: 'status 200',
    })
  }
  const end = start + seconds * 1000
  push(end, { type: 'step.ended', stepId: 's1', status: 'ok' })
  push(end, {
    type: 'probe.verdict',
    probeId: 'p0',
    stepId: 's1',
    name: probe.name,
    probeType: probe.type,
    mode: probe.mode,
    verdict: 'Passed',
    message: `${seconds} attempts passed`,
  })
  push(end, { type: 'step.ended', stepId: 's0', status: 'ok' })
  push(end, { type: 'run.ended' })
  return out
}
