import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServerMetrics } from './metrics.js'
import { journalOf, passingRun } from '../../../test/support/journal-fixtures.js'
import type { RunSummary } from '../../shared/api.js'

/** The value of one sample line, e.g. `ordeal_fault_active{experiment="a",fault="kill"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const summary = (over: Partial<RunSummary>): RunSummary => ({
  id: 'r1',
  experimentId: 'e1',
  experimentName: 'shop',
  experimentVersion: 1,
  source: 'server',
  status: 'finished',
  startedAt: new Date().toISOString(),
  startedBy: 'u1',
  startedByName: 'u1',
  ...over,
})

test('fault, probe, running and ingest metrics follow the journal; the end sets verdict and score', async () => {
  const metrics = createServerMetrics()
  const events = journalOf(passingRun('r1', 'shop', 2))
  const upTo = (type: string) => events.findIndex((e) => e.type === type)

  for (const e of events.slice(0, upTo('probe.attempt') + 1)) {
    metrics.observe({ id: 'r1', experiment: 'shop' }, e)
  }
  let text = await metrics.render()
  assert.equal(sample(text, 'ordeal_fault_active{experiment="shop",fault="kill"}'), 1)
  assert.equal(sample(text, 'ordeal_probe_passed{experiment="shop",probe="up"}'), 1)
  assert.equal(sample(text, 'ordeal_runs_running'), 1)

  for (const e of events.slice(upTo('probe.attempt') + 1)) {
    metrics.observe({ id: 'r1', experiment: 'shop' }, e)
  }
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_fault_active{experiment="shop",fault="kill"}'), 0)
  assert.equal(sample(text, 'ordeal_events_ingested_total'), events.length)

  metrics.runEnded(summary({ verdict: 'pass', score: 100 }))
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_runs_total{experiment="shop",verdict="pass"}'), 1)
  assert.equal(sample(text, 'ordeal_run_resilience_score{experiment="shop"}'), 100)
  assert.equal(sample(text, 'ordeal_runs_running'), 0)
  // Process metrics without a prefix, as every Node exporter has them.
  assert.ok(sample(text, 'process_cpu_seconds_total') !== undefined)
  assert.match(metrics.contentType, /text\/plain/)
})

test('a failed probe reads 0; a run that ends with a fault still injected drops its series', async () => {
  const metrics = createServerMetrics()
  const events = journalOf(passingRun('r2', 'cart'))
  for (const e of events.filter((e) => e.type === 'run.started' || e.type === 'fault.injected')) {
    metrics.observe({ id: 'r2', experiment: 'cart' }, e)
  }
  metrics.observe(
    { id: 'r2', experiment: 'cart' },
    {
      type: 'probe.verdict',
      probeId: 'kill/up',
      stepId: 'kill',
      name: 'up',
      probeType: 'http',
      mode: 'Continuous',
      verdict: 'Failed',
      message: 'status 503',
      seq: 99,
      t: 0,
    }
  )
  let text = await metrics.render()
  assert.equal(sample(text, 'ordeal_fault_active{experiment="cart",fault="kill"}'), 1)
  assert.equal(sample(text, 'ordeal_probe_passed{experiment="cart",probe="up"}'), 0)
  metrics.runEnded(summary({ id: 'r2', experimentName: 'cart', verdict: 'interrupted', score: 0 }))
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_fault_active{experiment="cart",fault="kill"}'), undefined)
  assert.equal(sample(text, 'ordeal_probe_passed{experiment="cart",probe="up"}'), undefined)
  assert.equal(sample(text, 'ordeal_runs_total{experiment="cart",verdict="interrupted"}'), 1)
})

test('two servers in one process do not share metrics', async () => {
  const a = createServerMetrics()
  const b = createServerMetrics()
  a.runEnded(summary({ verdict: 'fail', score: 40 }))
  const text = await b.render()
  assert.equal(sample(text, 'ordeal_runs_total{experiment="shop",verdict="fail"}'), undefined)
})

test('two runs of one experiment at once keep their own state: one ending leaves the other', async () => {
  const metrics = createServerMetrics()
  const a = journalOf(passingRun('ra', 'shop'))
  const b = journalOf(passingRun('rb', 'shop'))
  const upTo = (events: typeof a, type: string) =>
    events.slice(0, events.findIndex((e) => e.type === type) + 1)
  // Both inject the same fault; B starts after A, so "the last run.started" would be B's.
  for (const e of upTo(a, 'fault.injected')) {
    metrics.observe({ id: 'ra', experiment: 'shop' }, e)
  }
  for (const e of upTo(b, 'fault.injected')) {
    metrics.observe({ id: 'rb', experiment: 'shop' }, e)
  }
  let text = await metrics.render()
  assert.equal(sample(text, 'ordeal_runs_running'), 2)
  assert.equal(sample(text, 'ordeal_fault_active{experiment="shop",fault="kill"}'), 1)

  // A ends while B still holds the fault: the gauge stays 1 until B reverts it.
  metrics.runEnded(summary({ id: 'ra', verdict: 'interrupted', score: 0 }))
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_runs_running'), 1)
  assert.equal(sample(text, 'ordeal_fault_active{experiment="shop",fault="kill"}'), 1)

  // B's probe.attempt resolves its probe name from B's own plan.
  const attempt = b.find((e) => e.type === 'probe.attempt')!
  metrics.observe({ id: 'rb', experiment: 'shop' }, attempt)
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_probe_passed{experiment="shop",probe="up"}'), 1)

  metrics.runEnded(summary({ id: 'rb', verdict: 'interrupted', score: 0 }))
  text = await metrics.render()
  assert.equal(sample(text, 'ordeal_runs_running'), 0)
  // The last run using them ended: its per-run series are gone, not left at 0.
  assert.equal(sample(text, 'ordeal_fault_active{experiment="shop",fault="kill"}'), undefined)
  assert.equal(sample(text, 'ordeal_probe_passed{experiment="shop",probe="up"}'), undefined)
})

test('only probe and fault ids of the run plan label a series; nothing is ever "undefined"', async () => {
  const metrics = createServerMetrics()
  const run = { id: 'r3', experiment: 'shop' }
  const events = journalOf(passingRun('r3', 'shop'))
  const [started] = events
  // Before the plan is known, and then ids the plan does not have: no series for either.
  metrics.observe(run, {
    type: 'probe.attempt',
    probeId: 'early',
    phase: 'pre',
    passed: true,
    message: '',
    seq: 0,
    t: 0,
  })
  metrics.observe(run, started!)
  for (let i = 0; i < 1000; i++) {
    metrics.observe(run, {
      type: 'probe.attempt',
      probeId: `p${i}`,
      phase: 'during',
      passed: true,
      message: '',
      seq: i + 1,
      t: 0,
    })
    metrics.observe(run, {
      type: 'fault.injected',
      faultId: `f${i}`,
      stepId: 'kill',
      faultType: 'process-kill',
      targets: [],
      seq: i + 1,
      t: 0,
    })
  }
  const verdict = events.find((e) => e.type === 'probe.verdict')!
  // The plan's name labels the probe, whatever name the verdict event claims.
  metrics.observe(run, { ...verdict, name: 'forged' } as typeof verdict)
  const text = await metrics.render()
  const labelled = text.split('\n').filter((l) => /^ordeal_(probe_passed|fault_active)\{/.test(l))
  assert.deepEqual(labelled, ['ordeal_probe_passed{experiment="shop",probe="up"} 1'])
  assert.doesNotMatch(text, /undefined/)
})

test('faults are labelled with their step name, never the internal step id', async () => {
  const metrics = createServerMetrics()
  const events = journalOf(passingRun('r9', 'shop')).map((e) =>
    e.type === 'run.started'
      ? {
          ...e,
          plan: e.plan.map((s) => ({ ...s, id: 'run.0.1.1', name: 'process-kill of api' })),
        }
      : e.type === 'fault.injected'
        ? { ...e, faultId: 'run.0.1.1', stepId: 'run.0.1.1' }
        : e
  )
  for (const e of events.filter((e) => e.type === 'run.started' || e.type === 'fault.injected')) {
    metrics.observe({ id: 'r9', experiment: 'shop' }, e)
  }
  const text = await metrics.render()
  assert.equal(
    sample(text, 'ordeal_fault_active{experiment="shop",fault="process-kill of api"}'),
    1
  )
  assert.doesNotMatch(text, /run\.0/)
})
