/**
 * Recorded runs for the web UI's Chromium tests: registered and fed through the real API as
 * `ordeal run --server` does (`/api/runs/record`, `/events`, `/finish`), so a run page can be
 * shown with a chosen shape (load with a stall, a toxic's window, a 62.5 score, many events)
 * in a second, without running anything.
 * @module
 */
import assert from 'node:assert/strict'
import type { JournalEventBody } from '../../src/engine/events.js'
import type { JournalEvent, RunSummary } from '../../src/shared/api.js'
import type { LoadSummary, LoadTick } from '../../src/load/contract.js'
import { apiFetch, type ChaosCenter } from './chaos-center.js'

/** A manifest the server accepts for recording; `labels` go in `metadata.labels`. */
export function recordManifest(
  name: string,
  labels: Record<string, string> = {},
  note = ''
): string {
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}: '${v}'`)
    .join(', ')
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name}${labelText ? `, labels: { ${labelText} }` : ''} }
spec:
  hypothesis: Orders are served while the database is slow${note}
  system:
    services:
      - name: web
        command: node
        args: ['-e', "require('http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, '127.0.0.1')"]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
  steps:
    - name: kill-web
      fault:
        type: process-kill
        target: { service: web, mode: one }
        duration: 1s
`
}

let recordings = 0

/**
 * Registers a recorded run of `yaml`, sends `bodies` as its journal (event `i` at
 * `t0 + times[i]`, or 10 ms apart), and finishes it unless `finish` is false.
 */
export async function recordRun(
  center: Pick<ChaosCenter, 'url'>,
  token: string,
  yaml: string,
  bodies: (runId: string) => { body: JournalEventBody; at: number }[],
  finish = true
): Promise<RunSummary> {
  const runId = `ui-${process.pid}-${++recordings}`
  const call = <T>(p: string, body: unknown) =>
    apiFetch<T>(center.url, p, { token, method: 'POST', body })
  const r = await call<RunSummary>('/api/runs/record', { yaml, runId })
  assert.equal(r.status, 201, r.text)
  // Now: the server dates the run at registration, the journal's end dates its end.
  const t0 = Date.now()
  const events: JournalEvent[] = bodies(runId).map(
    ({ body, at }, seq) => ({ ...body, seq, t: t0 + at }) as JournalEvent
  )
  for (let i = 0; i < events.length; i += 500) {
    const sent = await call(`/api/runs/${runId}/events`, { events: events.slice(i, i + 500) })
    assert.equal(sent.status, 200, sent.text)
  }
  if (!finish) {
    return r.json
  }
  const done = await call<RunSummary>(`/api/runs/${runId}/finish`, {})
  assert.equal(done.status, 200, done.text)
  return done.json
}

/** 10 ms apart: a run whose times do not matter. */
export function spaced(bodies: JournalEventBody[]): { body: JournalEventBody; at: number }[] {
  return bodies.map((body, i) => ({ body, at: i * 10 }))
}

function tick(second: number, ok: number, p99: number, inFlight = 1): LoadTick {
  return {
    second,
    sent: 20,
    ok,
    errors: { http: 0, timeout: 0, connection: 0 },
    dropped: 0,
    p50: p99 / 3,
    p95: p99 / 1.5,
    p99,
    inFlight,
  }
}

const latency = { p50: 2, p90: 3, p95: 3, p99: 300, max: 400, min: 1, avg: 20 }

/**
 * A run with 10 s of load, a proxy-toxic adding 300 ms from +3 s to +6 s, a stall at +5 s and
 * +6 s (no completion: no latency to draw), two scored steps: `db-latency` holds (100) and
 * `kill-web` keeps 1 probe of 4 (25), so the score is 62.5 and the verdict fail. `ops` op events
 * make the journal long.
 */
export function loadRunJournal(
  runId: string,
  experiment: string,
  ops = 0
): { body: JournalEventBody; at: number }[] {
  const probe = (id: string, step: string) => ({
    id: `${step}/${id}`,
    name: id,
    type: 'http',
    mode: 'EOT' as const,
  })
  const killProbes = ['a', 'b', 'c', 'd'].map((p) => probe(p, 'kill-web'))
  const events: { body: JournalEventBody; at: number }[] = [
    {
      at: 0,
      body: {
        type: 'run.started',
        runId,
        experiment,
        hypothesis: 'Orders are served while the database is slow',
        plan: [
          {
            id: 'orders',
            name: 'orders',
            kind: 'load',
            path: 'orders',
            weight: 0,
            scored: false,
            probes: [],
            plannedStartMs: 0,
            plannedDurationMs: 10_000,
          },
          {
            id: 'db-latency',
            name: 'db-latency',
            kind: 'fault',
            path: 'db-latency',
            weight: 1,
            scored: true,
            faultType: 'proxy-toxic',
            probes: [probe('orders-ok', 'db-latency')],
            plannedStartMs: 3000,
            plannedDurationMs: 3000,
          },
          {
            id: 'kill-web',
            name: 'kill-web',
            kind: 'fault',
            path: 'kill-web',
            weight: 1,
            scored: true,
            faultType: 'process-kill',
            probes: killProbes,
            plannedStartMs: 7000,
            plannedDurationMs: 1000,
          },
        ],
      },
    },
    { at: 10, body: { type: 'step.started', stepId: 'orders' } },
    {
      at: 20,
      body: {
        type: 'load.started',
        stepId: 'orders',
        method: 'GET',
        url: 'http://127.0.0.1:1/orders',
        targetRate: 20,
        durationMs: 10_000,
      },
    },
  ]
  for (let i = 0; i < ops; i++) {
    events.push({
      at: 30 + i / 1000,
      body: {
        type: 'op',
        stepId: 'orders',
        op: { seq: i, process: 0, type: 'invoke', f: 'GET /orders', time: 0 },
      },
    })
  }
  const ticks = [
    tick(0, 20, 3),
    tick(1, 20, 3),
    tick(2, 20, 3),
    tick(3, 20, 310),
    tick(4, 18, 320),
    tick(5, 0, 0, 19),
    tick(6, 0, 0, 38),
    tick(7, 20, 4),
    tick(8, 20, 3),
    tick(9, 20, 3),
  ]
  const at = (second: number) => 20 + (second + 1) * 1000
  events.push(
    { at: 3000, body: { type: 'step.started', stepId: 'db-latency' } },
    {
      at: 3005,
      body: {
        type: 'fault.injected',
        faultId: 'db-latency',
        stepId: 'db-latency',
        faultType: 'proxy-toxic',
        targets: ['db'],
      },
    },
    { at: 6000, body: { type: 'fault.reverted', faultId: 'db-latency' } },
    {
      at: 6005,
      body: verdict('db-latency', 'orders-ok', 'Passed'),
    },
    { at: 6010, body: { type: 'step.ended', stepId: 'db-latency', status: 'ok' } },
    { at: 7000, body: { type: 'step.started', stepId: 'kill-web' } },
    {
      at: 7005,
      body: {
        type: 'fault.injected',
        faultId: 'kill-web',
        stepId: 'kill-web',
        faultType: 'process-kill',
        targets: ['web-0'],
      },
    },
    { at: 8000, body: { type: 'fault.reverted', faultId: 'kill-web' } },
    { at: 8005, body: verdict('kill-web', 'a', 'Passed') },
    { at: 8006, body: verdict('kill-web', 'b', 'Failed') },
    { at: 8007, body: verdict('kill-web', 'c', 'Failed') },
    { at: 8008, body: verdict('kill-web', 'd', 'Failed') },
    { at: 8010, body: { type: 'step.ended', stepId: 'kill-web', status: 'ok' } }
  )
  for (const t of ticks) {
    events.push({ at: at(t.second), body: { type: 'load.tick', stepId: 'orders', tick: t } })
  }
  events.push(
    { at: 11_030, body: { type: 'load.ended', stepId: 'orders', summary: summary(ticks) } },
    { at: 11_040, body: { type: 'step.ended', stepId: 'orders', status: 'ok' } },
    { at: 11_050, body: { type: 'run.ended' } }
  )
  return events.sort((a, b) => a.at - b.at)
}

function verdict(step: string, name: string, v: 'Passed' | 'Failed'): JournalEventBody {
  return {
    type: 'probe.verdict',
    probeId: `${step}/${name}`,
    stepId: step,
    name,
    probeType: 'http',
    mode: 'EOT',
    verdict: v,
    message: v === 'Passed' ? 'status 200' : 'status 502',
  }
}

function summary(timeline: LoadTick[]): LoadSummary {
  const ok = timeline.reduce((n, t) => n + t.ok, 0)
  return {
    requests: 200,
    ok,
    failed: 0,
    dropped: 0,
    errors: { http: 0, timeout: 0, connection: 0 },
    rate: { target: 20, achieved: 20 },
    latency: { service: latency, response: latency },
    timeline,
    // Failed, with an observed figure that needs a unit (the UI once showed `observed 2040.831`).
    thresholds: [
      { metric: 'http_req_duration', expression: 'p(99)<500', ok: false, observed: 2040.831 },
    ],
    warnings: [],
    durationMs: 10_000,
    aborted: false,
  }
}
