import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, JournalEventBody, PlannedStep } from './events.js'
import type { HistoryOp, LoadSummary, LoadTick } from '../load/contract.js'
import { deriveResult } from './result.js'
import { junitXml } from '../report/junit.js'
import { formatSummary } from '../report/terminal.js'
import type { FaultWindow } from '../checks/contract.js'
import { parseThreshold } from '../load/thresholds.js'
import {
  nearestSeries,
  thresholdComparison,
  thresholdReason,
  type ThresholdEvidence,
} from './threshold-reason.js'

const T0 = 1_700_000_000_000

const plan: PlannedStep[] = [
  {
    id: 'run',
    name: 'shop',
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
    name: 'parallel: load POST 100/s + process-kill of api',
    kind: 'parallel',
    path: 'spec.steps[0]',
    weight: 10,
    scored: false,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 20_000,
    parent: 'run',
  },
  {
    id: 'run.0.0',
    name: 'load POST 100/s',
    kind: 'load',
    path: 'spec.steps[0].parallel[0]',
    weight: 10,
    scored: true,
    thresholds: [
      { metric: 'http_req_failed', expression: 'rate<0.01' },
      { metric: 'http_req_duration', expression: 'p(95)<500' },
    ],
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 20_000,
    parent: 'run.0',
  },
  {
    id: 'run.0.1',
    name: 'kill api',
    kind: 'fault',
    faultType: 'process-kill',
    path: 'spec.steps[0].parallel[1]',
    weight: 10,
    scored: true,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 9000,
    parent: 'run.0',
  },
]

const at = (ms: number, body: JournalEventBody, seq: number): JournalEvent =>
  ({ ...body, seq, t: T0 + ms }) as JournalEvent

function failure(seq: number, ms: number, status?: number, error?: string): JournalEventBody {
  const op: HistoryOp = {
    seq,
    process: 0,
    type: status === undefined ? 'info' : 'fail',
    f: 'POST /orders',
    time: T0 + ms,
    ...(status === undefined ? {} : { status }),
    ...(error === undefined ? {} : { error }),
  }
  return { type: 'op', stepId: 'run.0.0', op }
}

const tick = (second: number, p99: number): LoadTick => ({
  second,
  sent: 100,
  ok: 100,
  errors: { http: 0, timeout: 0, connection: 0 },
  dropped: 0,
  p50: 10,
  p95: p99,
  p99,
  inFlight: 0,
})

function summary(): LoadSummary {
  const latency = { p50: 10, p90: 20, p95: 2040.831, p99: 3000, max: 4000, min: 1, avg: 100 }
  return {
    requests: 2000,
    ok: 1760,
    failed: 240,
    dropped: 0,
    errors: { http: 48, timeout: 2, connection: 0 },
    rate: { target: 100, achieved: 99.8 },
    latency: { response: latency, service: latency },
    timeline: [tick(5, 20), tick(6, 1200), tick(7, 3000), tick(8, 900), tick(9, 30)],
    thresholds: [
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false, observed: 0.12 },
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: false, observed: 2040.831 },
    ],
    warnings: [],
    durationMs: 20_000,
    aborted: false,
  }
}

function journal(): JournalEvent[] {
  const bodies: [number, JournalEventBody][] = [
    [0, { type: 'run.started', runId: 'r1', experiment: 'shop', hypothesis: 'h', plan }],
    [0, { type: 'step.started', stepId: 'run.0.0' }],
    [
      0,
      {
        type: 'load.started',
        stepId: 'run.0.0',
        method: 'POST',
        url: 'http://x/',
        targetRate: 100,
        durationMs: 20_000,
      } as JournalEventBody,
    ],
    [5950, { type: 'fault.action', faultId: 'run.0.1', detail: 'SIGKILL api-1' }],
    [
      6000,
      {
        type: 'fault.injected',
        faultId: 'run.0.1',
        stepId: 'run.0.1',
        faultType: 'process-kill',
        targets: ['api-1'],
      },
    ],
  ]
  for (let i = 0; i < 48; i++) {
    bodies.push([6100 + i * 77, failure(i, 6100 + i * 77, 502)])
  }
  bodies.push([9800, failure(100, 9800, undefined, 'timeout after 5000ms')])
  bodies.push([9000, { type: 'fault.reverted', faultId: 'run.0.1' }])
  bodies.push([9900, failure(101, 9900, undefined, 'timeout after 5000ms')])
  bodies.push([20_000, { type: 'load.ended', stepId: 'run.0.0', summary: summary() }])
  bodies.push([20_000, { type: 'run.ended' } as JournalEventBody])
  return bodies.sort((a, b) => a[0] - b[0]).map(([ms, body], i) => at(ms, body, i))
}

test('a failed rate threshold names the statuses behind it, when, and the fault they fell in', () => {
  const result = deriveResult(journal())
  const [failed, slow] = result.loads[0]!.failedThresholds!
  assert.equal(
    failed!.reason,
    'http_req_failed 12% > 1% (rate<0.01): 48 × 502, 2 × timeout between +6.1 s and +9.9 s, during "kill api" (+6.0 s..+9.0 s)'
  )
  assert.equal(
    slow!.reason,
    'http_req_duration p(95) 2.04 s > 500 ms (p(95)<500): 3 s with p95 over 500 ms (worst 3 s) between +6.0 s and +9.0 s, during "kill api" (+6.0 s..+9.0 s)'
  )
  assert.equal(result.reason, `threshold of "load POST 100/s" failed: ${failed!.reason}`)
  // The window opened at the kill itself, which came before the injection was reported.
  assert.equal(result.faults[0]!.name, 'kill api')
})

test('every human surface says it in words: no ids, units on every figure', () => {
  const result = deriveResult(journal())
  const xml = junitXml(result)
  const text = formatSummary(result)
  for (const out of [xml, text, result.reason!]) {
    assert.doesNotMatch(out, /run\.0/)
    assert.doesNotMatch(out, /observed 2040\.831|observed 0\.12\b/)
  }
  assert.match(xml, /message="http_req_failed 12% &gt; 1% \(rate&lt;0\.01\): 48 × 502/)
  assert.match(text, /kill api +\+6\.0 s → \+9\.0 s/)
})

test('comparisons read with units for each kind of metric', () => {
  const cases: [string, string, number, string][] = [
    ['http_req_failed', 'rate<0.01', 0.12, 'http_req_failed 12% > 1% (rate<0.01)'],
    [
      'http_req_duration',
      'p(99)<300',
      2040.831,
      'http_req_duration p(99) 2.04 s > 300 ms (p(99)<300)',
    ],
    ['dropped_iterations', 'count==0', 48, 'dropped_iterations count 48 > 0 (count==0)'],
    ['http_reqs', 'rate>100', 55.56, 'http_reqs rate 55.6/s < 100/s (rate>100)'],
    ['http_req_duration', 'p(95)<300', Number.NaN, 'http_req_duration p(95)<300: no samples'],
  ]
  for (const [metric, expression, observed, expected] of cases) {
    assert.equal(thresholdComparison({ metric, expression, observed, ok: false }), expected)
  }
})

/** Load started at +1 s; one fault, "kill api", from +5.0 s to +6.0 s. */
function evidence(timeline: LoadTick[], failures: HistoryOp[] = []): ThresholdEvidence {
  const kill: FaultWindow = {
    faultId: 'run.1',
    type: 'process-kill',
    name: 'kill api',
    start: T0 + 5000,
    end: T0 + 6000,
  }
  return { runStartedAt: T0, loadStartedAt: T0 + 1000, failures, timeline, faults: [kill] }
}

const second = (n: number, p50: number, p95: number, p99: number): LoadTick => ({
  ...tick(n, p99),
  p50,
  p95,
})

test('a latency threshold is explained by the per-second series of its own aggregation', () => {
  // Second 4 (+5 s) breaks 500 ms at p99 only; second 5 (+6 s) at p95 and p99.
  const timeline = [second(3, 10, 20, 30), second(4, 10, 100, 900), second(5, 300, 700, 800)]
  const reason = (expression: string) =>
    thresholdReason(
      { metric: 'http_req_duration', expression, ok: false, observed: 600 },
      evidence(timeline)
    )
  assert.equal(
    reason('p(95)<500'),
    'http_req_duration p(95) 600 ms > 500 ms (p(95)<500): 1 s with p95 over 500 ms (worst 700 ms) between +6.0 s and +7.0 s, during "kill api" (+5.0 s..+6.0 s)'
  )
  assert.match(reason('p(99)<500'), /: 2 s with p99 over 500 ms \(worst 900 ms\) between \+5\.0 s/)
  assert.match(reason('max<500'), /: 2 s with p99 over 500 ms/)
  assert.match(reason('med<200'), /: 1 s with p50 over 200 ms \(worst 300 ms\)/)
  // No second's median broke it: no "when" rather than the wrong seconds.
  assert.equal(reason('avg<400'), 'http_req_duration avg 600 ms > 400 ms (avg<400)')
})

test('a service-time threshold says it has no per-second series instead of quoting response times', () => {
  const reason = thresholdReason(
    { metric: 'http_req_service_duration', expression: 'p(95)<500', ok: false, observed: 600 },
    evidence([second(4, 900, 900, 900)])
  )
  assert.equal(
    reason,
    'http_req_service_duration p(95) 600 ms > 500 ms (p(95)<500): no per-second service times to say when (the load keeps them for response time only)'
  )
})

test('a threshold reason places its span in the words findings use', () => {
  const failed = (ms: number): HistoryOp => ({
    seq: ms,
    process: 0,
    type: 'fail',
    f: 'GET /',
    time: T0 + ms,
    status: 503,
  })
  const reason = thresholdReason(
    { metric: 'http_req_failed', expression: 'rate<0.01', ok: false, observed: 0.05 },
    evidence([], [failed(2000), failed(3000)])
  )
  assert.equal(
    reason,
    'http_req_failed 5% > 1% (rate<0.01): 2 × 503 between +2.0 s and +3.0 s, before "kill api" at +5.0 s'
  )
})

test('each aggregation maps to the nearest per-second series', () => {
  const cases: [string, string][] = [
    ['p(95)<1', 'p95'],
    ['p(90)<1', 'p95'],
    ['p(99.9)<1', 'p99'],
    ['p(97)<1', 'p99'],
    ['p(50)<1', 'p50'],
    ['p(70)<1', 'p50'],
    ['med<1', 'p50'],
    ['avg<1', 'p50'],
    ['max<1', 'p99'],
  ]
  for (const [expression, series] of cases) {
    const parsed = parseThreshold('http_req_duration', expression)
    assert.ok(parsed.ok)
    assert.equal(nearestSeries(parsed.threshold.aggregation), series, expression)
  }
})
