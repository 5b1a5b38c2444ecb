/**
 * A synthetic journal with every kind of data the HTML report draws (issue 17 §3): a load with
 * ops and per-second ticks, a fault window, a probe failing during it, a queue check with lost
 * and duplicated ids, a metric's samples (a backlog rising during the fault and draining after),
 * and a capacity step's trials and result, the events no driver emits yet on this branch.
 * A generator, so the bench can stream a 1M-op journal without holding it.
 * @module
 */
import type { JournalEvent, JournalEventBody } from '../../src/engine/events.js'
import type { CapacityResult, CapacityTrial } from '../../src/shared/capacity.js'
import type { RunResult } from '../../src/shared/result.js'

export const T0 = Date.UTC(2026, 0, 1, 12)

export interface ReportJournalOptions {
  /** Seconds of load. */
  seconds?: number
  /** Requests per second; each is an invoke and an ok op. */
  rate?: number
  /** The fault's window, seconds since the load started. */
  fault?: [number, number]
  lost?: number
  /** Capacity trials and result, or none. */
  capacity?: boolean
}

/** Where things are, seconds since the run started, for the tests to assert against. */
export function reportTimes(o: ReportJournalOptions = {}) {
  const fault = o.fault ?? [4, 7]
  return { loadStart: 1, faultStart: 1 + fault[0], faultEnd: 1 + fault[1] }
}

export function* reportJournal(o: ReportJournalOptions = {}): Generator<JournalEvent> {
  const seconds = o.seconds ?? 12
  const rate = o.rate ?? 20
  const [f0, f1] = o.fault ?? [4, 7]
  let seq = 0
  const at = (ms: number, body: JournalEventBody): JournalEvent =>
    ({ ...body, seq: seq++, t: T0 + ms }) as JournalEvent
  yield at(0, {
    type: 'run.started',
    runId: 'r-report',
    experiment: 'orders-survive-slow-db',
    hypothesis: 'orders keep flowing & none is lost </script> while the database is slow',
    plan: [
      step('traffic', 'load', 0, seconds * 1000),
      {
        ...step('slow-db', 'fault', f0 * 1000, (f1 - f0) * 1000),
        faultType: 'proxy-latency',
        probes: [{ id: 'slow-db/api-up', name: 'api-up', type: 'http', mode: 'Continuous' }],
      },
      ...(o.capacity === false ? [] : [step('find-capacity', 'load', seconds * 1000, 5000)]),
    ],
    checks: [
      { id: 'check/all-delivered', name: 'all-delivered', type: 'queue', stepId: 'traffic' },
    ],
  })
  yield at(500, { type: 'system.ready' })
  yield at(1000, { type: 'step.started', stepId: 'traffic' })
  yield at(1000, {
    type: 'load.started',
    stepId: 'traffic',
    method: 'POST',
    url: 'http://127.0.0.1:8080/orders',
    targetRate: rate,
    durationMs: seconds * 1000,
  })
  let opSeq = 0
  for (let s = 0; s < seconds; s++) {
    const base = 1000 + s * 1000
    const inFault = s >= f0 && s < f1
    if (s === f0) {
      yield at(base, { type: 'step.started', stepId: 'slow-db' })
      yield at(base, {
        type: 'fault.injected',
        faultId: 'slow-db',
        stepId: 'slow-db',
        faultType: 'proxy-latency',
        targets: ['db-proxy'],
      })
    }
    if (s === f1) {
      yield at(base, { type: 'fault.reverted', faultId: 'slow-db' })
      yield at(base, { type: 'step.ended', stepId: 'slow-db', status: 'ok' })
    }
    for (let r = 0; r < rate; r++) {
      const time = T0 + base + (r * 1000) / rate
      const id = `order-${opSeq}`
      const f = 'POST /orders'
      yield at(base, {
        type: 'op',
        stepId: 'traffic',
        op: { seq: opSeq, process: 0, type: 'invoke', f, value: id, time },
      })
      yield at(base, {
        type: 'op',
        stepId: 'traffic',
        op: { seq: opSeq, process: 0, type: 'ok', f, value: id, time: time + 2 },
      })
      opSeq++
    }
    if (s >= 1) {
      yield at(base + 1, {
        type: 'probe.attempt',
        probeId: 'slow-db/api-up',
        phase: 'during',
        passed: !inFault,
        message: inFault ? 'timeout after 1000ms' : 'status 200',
      })
    }
    yield at(base + 2, {
      type: 'metric.sample',
      metricId: 'metric/queue-depth',
      name: 'queue-depth',
      sample: {
        t: T0 + base + 2,
        value: inFault ? (s - f0 + 1) * 400 : s >= f1 ? Math.max(0, 1200 - (s - f1 + 1) * 500) : 3,
      },
    })
    yield at(base + 999, {
      type: 'load.tick',
      stepId: 'traffic',
      tick: {
        second: s,
        sent: rate,
        ok: inFault ? rate - 2 : rate,
        errors: { http: inFault ? 2 : 0, timeout: 0, connection: 0 },
        dropped: 0,
        p50: inFault ? 300 : 2,
        p95: inFault ? 800 : 4,
        p99: inFault ? 950 : 6,
        inFlight: inFault ? 8 : 1,
      },
    })
  }
  const end = 1000 + seconds * 1000
  // No load.ended: its summary is the load's business, not the report's (the run view copes).
  yield at(end, { type: 'step.ended', stepId: 'traffic', status: 'ok' })
  yield at(end + 1, {
    type: 'probe.verdict',
    probeId: 'slow-db/api-up',
    stepId: 'slow-db',
    name: 'api-up',
    probeType: 'http',
    mode: 'Continuous',
    verdict: 'Failed',
    message: `${f1 - f0} of ${seconds - 1} attempts failed`,
  })
  if (o.capacity !== false) {
    yield* capacityEvents(at, end + 10)
  }
  const lost = o.lost ?? 3
  yield at(end + 6000, {
    type: 'check.result',
    checkId: 'check/all-delivered',
    name: 'all-delivered',
    checkType: 'queue',
    result: {
      type: 'queue',
      valid: false,
      attempted: opSeq,
      acknowledged: opSeq,
      delivered: opSeq - lost + 1,
      lost: Array.from({ length: lost }, (_, i) => ({
        id: `order-${i * 7}`,
        at: (1 + f0) * 1000 + i * 100,
        ackedAt: (1 + f0) * 1000 + i * 100 + 50,
        window: 'during "proxy-latency of db-proxy"',
      })),
      duplicated: [{ id: 'order-99', at: (1 + f1) * 1000 + 200, count: 2, window: 'after' }],
      unexpected: [],
      recovered: [],
      duplicatesPolicy: 'fail',
    },
  } as JournalEventBody)
  yield at(end + 6001, { type: 'run.ended' })
}

function step(id: string, kind: 'load' | 'fault', start: number, length: number) {
  return {
    id,
    name: id,
    kind,
    path: id,
    weight: 1,
    scored: kind === 'fault',
    probes: [],
    plannedStartMs: start,
    plannedDurationMs: length,
  }
}

const BASELINE: [number, boolean, number][] = [
  [100, true, 0],
  [200, true, 0],
  [400, true, 0.001],
  [800, false, 0.2],
  [600, true, 0.004],
  [700, false, 0.05],
]
const FAULT: [number, boolean, number][] = [
  [100, true, 0],
  [200, true, 0.002],
  [400, false, 0.3],
  [300, true, 0.008],
  [350, false, 0.04],
]

function* capacityEvents(
  at: (ms: number, body: JournalEventBody) => JournalEvent,
  start: number
): Generator<JournalEvent> {
  let t = start
  for (const [phase, list] of [
    ['baseline', BASELINE],
    ['fault', FAULT],
  ] as const) {
    for (const [index, [rate, passed, errorRate]] of list.entries()) {
      const trial: CapacityTrial = {
        phase,
        index,
        stage: index < 4 ? 'ramp' : 'bisect',
        rate,
        achieved: rate,
        throughput: rate * (1 - errorRate),
        passed,
        ...(passed ? {} : { reason: 'http_req_failed rate<0.01' }),
        errorRate,
        p50: 2 + rate / 100,
        p99: passed ? 10 + rate / 10 : 600,
        startedAt: T0 + t,
        endedAt: T0 + t + 500,
        stoppedEarly: !passed,
      }
      t += 500
      yield at(t, { type: 'capacity.trial', stepId: 'find-capacity', trial })
    }
  }
  const result: CapacityResult = {
    stepId: 'find-capacity',
    name: 'find-capacity',
    precision: 0.05,
    baseline: {
      phase: 'baseline',
      sustainable: 600,
      bracket: { low: 600, high: 700 },
      errorsFrom: 400,
      generatorLimited: false,
      trials: BASELINE.length,
    },
    fault: {
      phase: 'fault',
      sustainable: 300,
      bracket: { low: 300, high: 350 },
      errorsFrom: 200,
      generatorLimited: false,
      trials: FAULT.length,
      faultType: 'process-kill',
      faultName: 'kill-one-broker',
      mode: 'held',
    },
    changePercent: -50,
  }
  yield at(t + 1, { type: 'capacity.result', stepId: 'find-capacity', result })
}

/** The result the runner would derive (the report takes verdict and score from it). */
export function reportResult(events: Iterable<JournalEvent>): RunResult {
  let first: JournalEvent | undefined
  let last: JournalEvent | undefined
  for (const e of events) {
    first ??= e
    last = e
  }
  return {
    runId: 'r-report',
    experiment: 'orders-survive-slow-db',
    hypothesis: 'orders keep flowing & none is lost </script> while the database is slow',
    verdict: 'fail',
    reason: 'check all-delivered failed: 3 lost',
    resilienceScore: 62.5,
    startedAt: new Date(first?.t ?? T0).toISOString(),
    endedAt: new Date(last?.t ?? T0).toISOString(),
    steps: [],
    probes: [],
    checks: [],
    faults: [],
    loads: [],
  }
}
