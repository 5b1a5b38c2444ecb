import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, JournalEventBody, PlannedStep } from '../engine/events.js'
import type { LoadTick } from '../load/contract.js'
import { applyEvents, createRunView, runDurationMs } from './run-view.js'

const T0 = 1_700_000_000_000

/** Numbers events from 0 and stamps them `T0 + ms`. */
function journal(...items: [number, JournalEventBody][]): JournalEvent[] {
  return items.map(([ms, body], seq) => ({ ...body, seq, t: T0 + ms }) as JournalEvent)
}

function tick(second: number, over: Partial<LoadTick> = {}): LoadTick {
  return {
    second,
    sent: 100,
    ok: 95,
    errors: { http: 2, timeout: 1, connection: 2 },
    dropped: 0,
    p50: 10,
    p95: 40,
    p99: 80,
    inFlight: 3,
    ...over,
  }
}

const plan: PlannedStep[] = [
  {
    id: 'root',
    name: 'root',
    kind: 'parallel',
    path: 'root',
    weight: 1,
    scored: false,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 10_000,
  },
  {
    id: 'load',
    name: 'orders',
    kind: 'load',
    path: 'root/orders',
    weight: 1,
    scored: false,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 10_000,
    parent: 'root',
  },
  {
    id: 'kill',
    name: 'kill-api',
    kind: 'fault',
    path: 'root/kill-api',
    weight: 2,
    scored: true,
    faultType: 'process-kill',
    probes: [{ id: 'p1', name: 'users-get-items', type: 'http', mode: 'Continuous' }],
    plannedStartMs: 2000,
    plannedDurationMs: 4000,
    parent: 'root',
  },
]

const started: JournalEventBody = {
  type: 'run.started',
  runId: 'r1',
  experiment: 'quickstart',
  hypothesis: 'users never notice',
  plan,
  checks: [{ id: 'c1', name: 'all-delivered', type: 'queue', stepId: 'load' }],
}

test('the plan gives pending steps, probes and checks', () => {
  const v = applyEvents(createRunView(), journal([0, started]))
  assert.equal(v.runId, 'r1')
  assert.equal(v.experiment, 'quickstart')
  assert.equal(v.startedAt, T0)
  assert.deepEqual(
    v.steps.map((s) => [s.id, s.name, s.kind, s.status, s.faultType]),
    [
      ['root', 'root', 'parallel', 'pending', undefined],
      ['load', 'orders', 'load', 'pending', undefined],
      ['kill', 'kill-api', 'fault', 'pending', 'process-kill'],
    ]
  )
  assert.deepEqual(
    v.probes.map((p) => [p.id, p.name, p.type, p.mode, p.stepId, p.verdict]),
    [['p1', 'users-get-items', 'http', 'Continuous', 'kill', 'pending']]
  )
  assert.deepEqual(
    v.checks.map((c) => [c.id, c.name, c.type, c.stepId, c.status]),
    [['c1', 'all-delivered', 'queue', 'load', 'pending']]
  )
  assert.equal(v.revision, 1)
})

test('a full run: step states, fault window, load series, probe, check, end', () => {
  const events = journal(
    [0, started],
    [5, { type: 'step.started', stepId: 'root' }],
    [10, { type: 'step.started', stepId: 'load' }],
    [
      10,
      {
        type: 'load.started',
        stepId: 'load',
        method: 'POST',
        url: 'http://x/orders',
        targetRate: 100,
        durationMs: 10_000,
      },
    ],
    [1010, { type: 'load.tick', stepId: 'load', tick: tick(0) }],
    [2000, { type: 'step.started', stepId: 'kill' }],
    [
      2001,
      {
        type: 'fault.injected',
        faultId: 'kill',
        stepId: 'kill',
        faultType: 'process-kill',
        targets: ['api#0'],
      },
    ],
    [2002, { type: 'fault.action', faultId: 'kill', detail: 'SIGKILL api#0 pid 42' }],
    [
      2010,
      {
        type: 'load.tick',
        stepId: 'load',
        tick: tick(1, { ok: 50, errors: zeroErr(30), p99: 900 }),
      },
    ],
    [
      2500,
      { type: 'probe.attempt', probeId: 'p1', phase: 'during', passed: false, message: '503' },
    ],
    [
      3000,
      { type: 'probe.attempt', probeId: 'p1', phase: 'during', passed: true, message: '200 OK' },
    ],
    [4002, { type: 'fault.action', faultId: 'kill', detail: 'SIGKILL api#1 pid 43' }],
    [6001, { type: 'fault.reverted', faultId: 'kill' }],
    [
      6002,
      {
        type: 'probe.verdict',
        probeId: 'p1',
        stepId: 'kill',
        name: 'users-get-items',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'Failed',
        message: '1 of 2 attempts failed',
      },
    ],
    [6003, { type: 'step.ended', stepId: 'kill', status: 'ok' }],
    [10_010, { type: 'step.ended', stepId: 'load', status: 'ok' }],
    [10_020, { type: 'check.started', checkId: 'c1', name: 'all-delivered' }],
    [
      10_030,
      {
        type: 'check.result',
        checkId: 'c1',
        name: 'all-delivered',
        checkType: 'queue',
        result: {
          type: 'queue',
          valid: false,
          attempted: 1000,
          acknowledged: 990,
          delivered: 989,
          lost: [{ id: 'order-7', at: 2100, window: 'during kill (process-kill)' }],
          duplicated: [{ id: 'order-9', at: 2200, window: 'during kill (process-kill)', count: 2 }],
          unexpected: ['ghost'],
          recovered: [],
          duplicatesPolicy: 'allow',
        },
      },
    ],
    [10_040, { type: 'step.ended', stepId: 'root', status: 'ok' }],
    [10_050, { type: 'run.warning', message: 'generator lagged' }],
    [10_060, { type: 'run.ended' }]
  )
  const v = applyEvents(createRunView(), events)

  assert.deepEqual(
    v.steps.map((s) => [s.id, s.status, s.startedAt, s.endedAt]),
    [
      ['root', 'ok', T0 + 5, T0 + 10_040],
      ['load', 'ok', T0 + 10, T0 + 10_010],
      ['kill', 'ok', T0 + 2000, T0 + 6003],
    ]
  )
  assert.deepEqual(v.faults, [
    {
      faultId: 'kill',
      stepId: 'kill',
      faultType: 'process-kill',
      targets: ['api#0'],
      start: T0 + 2001,
      end: T0 + 6001,
      actions: 2,
    },
  ])
  assert.deepEqual(v.load.time, [(T0 + 1010) / 1000, (T0 + 2010) / 1000])
  assert.deepEqual(v.load.ok, [95, 50])
  assert.deepEqual(v.load.errors, [5, 30])
  assert.deepEqual(v.load.p99, [80, 900])
  assert.deepEqual(v.load.sent, [100, 100])
  assert.equal(v.loads[0]?.url, 'http://x/orders')
  assert.equal(v.loads[0]?.endedAt, undefined)

  const p = v.probes[0]!
  assert.equal(p.verdict, 'Failed')
  assert.equal(p.message, '1 of 2 attempts failed')
  assert.equal(p.attempts, 2)
  assert.equal(p.failedAttempts, 1)
  assert.deepEqual(p.latest, { phase: 'during', passed: true, message: '200 OK', t: T0 + 3000 })

  const c = v.checks[0]!
  assert.equal(c.status, 'done')
  assert.equal(c.verdict, 'Failed')
  assert.deepEqual(
    c.lost.map((l) => l.id),
    ['order-7']
  )
  assert.deepEqual(c.duplicated, [{ id: 'order-9', count: 2 }])
  assert.deepEqual(c.unexpected, ['ghost'])
  assert.equal(c.attempted, 1000)

  assert.deepEqual(v.warnings, [{ t: T0 + 10_050, message: 'generator lagged' }])
  assert.equal(v.endedAt, T0 + 10_060)
  assert.equal(runDurationMs(v, 0), 10_060)
  assert.equal(v.lastSeq, events.length - 1)
  assert.equal(v.eventCount, events.length)
})

test('incremental application equals one batch, and replayed seqs are ignored', () => {
  const events = journal(
    [0, started],
    [1000, { type: 'load.tick', stepId: 'load', tick: tick(0) }],
    [2000, { type: 'load.tick', stepId: 'load', tick: tick(1) }],
    [
      2100,
      {
        type: 'fault.injected',
        faultId: 'kill',
        stepId: 'kill',
        faultType: 'process-kill',
        targets: ['api#1'],
      },
    ],
    [3000, { type: 'load.tick', stepId: 'load', tick: tick(2) }]
  )
  const batch = applyEvents(createRunView(), events)
  const inc = createRunView()
  applyEvents(inc, events.slice(0, 2))
  // A stream reconnect may resend what the page already has.
  applyEvents(inc, events.slice(1, 4))
  applyEvents(inc, events.slice(3))
  assert.deepEqual(inc.load, batch.load)
  assert.deepEqual(inc.faults, batch.faults)
  assert.equal(inc.eventCount, 5)
  assert.equal(inc.load.time.length, 3)
  assert.equal(inc.faults[0]?.end, undefined, 'still active')
  const rev = inc.revision
  applyEvents(inc, events)
  assert.equal(inc.revision, rev, 'nothing new, no re-render')
})

test('parallel loads in the same second merge: counts add, latency takes the worst', () => {
  const v = applyEvents(
    createRunView(),
    journal(
      [1000, { type: 'load.tick', stepId: 'a', tick: tick(0, { ok: 10, p95: 50 }) }],
      [1400, { type: 'load.tick', stepId: 'b', tick: tick(0, { ok: 20, p95: 30, p99: 500 }) }],
      [2100, { type: 'load.tick', stepId: 'a', tick: tick(1, { ok: 7 }) }],
      // b's second tick lands later in the journal but belongs before a's: kept sorted.
      [1900, { type: 'load.tick', stepId: 'b', tick: tick(1, { ok: 1 }) }],
      [1950, { type: 'load.tick', stepId: 'c', tick: tick(0, { ok: 100 }) }]
    )
  )
  assert.deepEqual(v.load.time, [T0 / 1000 + 1, T0 / 1000 + 2.1])
  assert.deepEqual(v.load.ok, [10 + 20 + 1 + 100, 7])
  assert.deepEqual(v.load.p95, [50, 40])
  assert.deepEqual(v.load.p99, [500, 80])
  assert.deepEqual(v.load.errors, [20, 5])
})

test('a late tick of one load never merges with its next second', () => {
  const loadStarted: JournalEventBody = {
    type: 'load.started',
    stepId: 'load',
    method: 'GET',
    url: 'http://x/',
    targetRate: 50,
    durationMs: 4000,
  }
  const v = applyEvents(
    createRunView(),
    journal(
      [200, loadStarted],
      [1210, { type: 'load.tick', stepId: 'load', tick: tick(0, { ok: 50 }) }],
      // Second 1 was written late (event loop busy), in the same wall-clock second as second 2.
      [2990, { type: 'load.tick', stepId: 'load', tick: tick(1, { ok: 49 }) }],
      [3205, { type: 'load.tick', stepId: 'load', tick: tick(2, { ok: 51 }) }],
      [3400, { type: 'load.tick', stepId: 'load', tick: tick(3, { ok: 50 }) }]
    )
  )
  assert.deepEqual(v.load.ok, [50, 49, 51, 50])
  assert.deepEqual(
    v.load.time.map((t) => Math.round(t * 1000 - T0)),
    [1210, 2990, 3205, 3400]
  )
})

test('out-of-order second before the last bucket is inserted in place', () => {
  const v = applyEvents(
    createRunView(),
    journal(
      [1000, { type: 'load.tick', stepId: 'a', tick: tick(0, { ok: 1 }) }],
      [3000, { type: 'load.tick', stepId: 'a', tick: tick(2, { ok: 3 }) }],
      [2000, { type: 'load.tick', stepId: 'b', tick: tick(1, { ok: 2 }) }],
      [3500, { type: 'load.tick', stepId: 'b', tick: tick(2, { ok: 30 }) }]
    )
  )
  assert.deepEqual(v.load.ok, [1, 2, 33])
  assert.deepEqual(
    v.load.time.map((t) => t - T0 / 1000),
    [1, 2, 3]
  )
})

test('aborts keep the first cause; fault failures and system errors are kept', () => {
  const v = applyEvents(
    createRunView(),
    journal(
      [0, started],
      [
        100,
        {
          type: 'fault.failed',
          faultId: 'kill',
          stepId: 'kill',
          phase: 'inject',
          error: 'no target',
        },
      ],
      [200, { type: 'run.aborted', kind: 'probe', reason: 'probe users-get-items failed' }],
      [300, { type: 'run.aborted', kind: 'signal', reason: 'SIGINT' }],
      [400, { type: 'system.failed', error: 'api exited with code 1' }],
      [500, { type: 'step.ended', stepId: 'kill', status: 'aborted', error: 'aborted' }],
      [
        600,
        {
          type: 'op',
          stepId: 'load',
          op: { seq: 0, process: 0, type: 'invoke', f: 'POST /', time: 1 },
        },
      ]
    )
  )
  assert.deepEqual(v.abort, { kind: 'probe', reason: 'probe users-get-items failed', t: T0 + 200 })
  assert.deepEqual(v.faultFailures, [
    { faultId: 'kill', stepId: 'kill', phase: 'inject', error: 'no target', t: T0 + 100 },
  ])
  assert.equal(v.faults.length, 0, 'a failed injection opens no window')
  assert.equal(v.systemError, 'api exited with code 1')
  assert.equal(v.steps[2]?.status, 'aborted')
  assert.equal(v.steps[2]?.error, 'aborted')
  assert.equal(v.opCount, 1)
  assert.equal(v.endedAt, undefined)
  assert.equal(runDurationMs(v, T0 + 5000), 5000)
})

test('set checks, errored checks, and events for things the plan did not name', () => {
  const v = applyEvents(
    createRunView(),
    journal(
      [
        0,
        {
          type: 'check.result',
          checkId: 'c2',
          name: 'set',
          checkType: 'set',
          result: {
            type: 'set',
            valid: 'unknown',
            attempted: 10,
            stable: 8,
            lost: [{ id: 'k1', at: 5, window: 'before any fault' }],
            neverRead: [{ id: 'k2', at: 6, window: 'before any fault' }],
            duplicated: ['k3'],
            stableLatencies: null,
            lostLatencies: null,
          },
        },
      ],
      [
        1,
        {
          type: 'check.result',
          checkId: 'c3',
          name: 'broken',
          checkType: 'queue',
          error: 'ECONNREFUSED',
        },
      ],
      [
        2,
        {
          type: 'probe.verdict',
          probeId: 'late',
          stepId: 'x',
          name: 'late-probe',
          probeType: 'tcp',
          mode: 'EOT',
          verdict: 'Passed',
          message: 'ok',
        },
      ],
      [3, { type: 'fault.action', faultId: 'f9', detail: 'paused' }]
    )
  )
  const [set, broken] = v.checks
  assert.equal(set?.verdict, 'N/A')
  assert.deepEqual(set?.duplicated, [{ id: 'k3' }])
  assert.deepEqual(
    set?.neverRead.map((f) => f.id),
    ['k2']
  )
  assert.equal(broken?.verdict, 'Failed')
  assert.equal(broken?.error, 'ECONNREFUSED')
  assert.deepEqual(
    v.probes.map((p) => [p.name, p.type, p.mode, p.verdict]),
    [['late-probe', 'tcp', 'EOT', 'Passed']]
  )
  assert.deepEqual(
    v.faults.map((f) => [f.faultId, f.faultType, f.start, f.actions]),
    [['f9', 'unknown', T0 + 3, 1]]
  )
})

test('100,000 events apply in well under a second', () => {
  const events: JournalEvent[] = [{ ...started, seq: 0, t: T0 } as JournalEvent]
  for (let i = 1; i < 100_000; i++) {
    events.push(
      i % 100 === 0
        ? { type: 'load.tick', stepId: 'load', tick: tick(i / 100), seq: i, t: T0 + i * 10 }
        : {
            type: 'op',
            stepId: 'load',
            op: { seq: i, process: 0, type: 'ok', f: 'POST /', time: T0 + i },
            seq: i,
            t: T0 + i * 10,
          }
    )
  }
  const started_ = performance.now()
  const v = applyEvents(createRunView(), events)
  assert.ok(performance.now() - started_ < 1000)
  assert.equal(v.load.time.length, 999)
  assert.equal(v.opCount, 100_000 - 1 - 999)
})

function zeroErr(http: number) {
  return { http, timeout: 0, connection: 0 }
}

test('once the run has ended nothing stays pending: unstarted steps are not-run', () => {
  const events = journal(
    [0, started],
    [5, { type: 'step.started', stepId: 'root' }],
    [10, { type: 'step.started', stepId: 'load' }],
    [20, { type: 'run.aborted', kind: 'error', reason: 'step orders failed: boom' }],
    [30, { type: 'step.ended', stepId: 'load', status: 'error', error: 'boom' }],
    [
      40,
      {
        type: 'probe.verdict',
        probeId: 'p1',
        stepId: 'kill',
        name: 'users-get-items',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'N/A',
        message: 'not run: the run stopped before step kill-api started',
      },
    ],
    [50, { type: 'run.ended' }]
  )
  const v = applyEvents(createRunView(), events)
  assert.deepEqual(
    v.steps.map((s) => [s.id, s.status, s.error]),
    [
      ['root', 'aborted', undefined],
      ['load', 'error', 'boom'],
      ['kill', 'not-run', undefined],
    ]
  )
  assert.deepEqual(
    v.probes.map((p) => [p.verdict, p.message]),
    [['N/A', 'not run: the run stopped before step kill-api started']]
  )
})

test('fault.recovery events attach to their fault, in order; a fault without them has none', () => {
  const v = createRunView()
  applyEvents(
    v,
    journal(
      [0, started],
      [
        2001,
        {
          type: 'fault.injected',
          faultId: 'kill',
          stepId: 'kill',
          faultType: 'pod-delete',
          targets: ['shop/orders-1'],
        },
      ],
      [
        6200,
        {
          type: 'fault.recovery',
          faultId: 'kill',
          workload: 'deployment/orders',
          recovered: true,
          ms: 4200,
        },
      ],
      [
        9000,
        {
          type: 'fault.recovery',
          faultId: 'kill',
          workload: 'statefulset/db',
          recovered: false,
          reason: 'timed out',
        },
      ],
      // For a fault never seen: nothing to attach to, nothing invented.
      [
        9001,
        { type: 'fault.recovery', faultId: 'ghost', workload: 'deployment/x', recovered: true },
      ]
    )
  )
  assert.deepEqual(v.faults[0]!.recovery, [
    { workload: 'deployment/orders', recovered: true, ms: 4200 },
    { workload: 'statefulset/db', recovered: false, reason: 'timed out' },
  ])
  assert.equal(v.faults.length, 1)
})
