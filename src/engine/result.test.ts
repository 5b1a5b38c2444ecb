import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, JournalEventBody, PlannedStep } from './events.js'
import { deriveResult, EXIT_CODES } from './result.js'

const plan: PlannedStep[] = [
  {
    id: 'run',
    name: 'demo',
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
    name: 'kill',
    kind: 'fault',
    faultType: 'process-kill',
    path: 'spec.steps[0]',
    weight: 10,
    scored: true,
    probes: [{ id: 'run.0/up', name: 'up', type: 'http', mode: 'Continuous' }],
    plannedStartMs: 0,
    plannedDurationMs: 10_000,
    parent: 'run',
  },
  {
    id: 'run.1',
    name: 'pause',
    kind: 'fault',
    faultType: 'process-pause',
    path: 'spec.steps[1]',
    weight: 10,
    scored: true,
    probes: [{ id: 'run.1/up2', name: 'up2', type: 'http', mode: 'OnChaos' }],
    plannedStartMs: 10_000,
    plannedDurationMs: 10_000,
    parent: 'run',
  },
]

function journal(bodies: JournalEventBody[]): JournalEvent[] {
  return bodies.map((b, i) => ({ ...b, seq: i, t: 1_700_000_000_000 + i * 1000 }) as JournalEvent)
}

const start: JournalEventBody = {
  type: 'run.started',
  runId: 'r1',
  experiment: 'demo',
  hypothesis: 'h',
  plan,
}

test('all probes pass: verdict pass, score 100, fault windows recorded', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run' },
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'fault.injected',
        faultId: 'run.0',
        stepId: 'run.0',
        faultType: 'process-kill',
        targets: ['api-0 (pid 1)'],
      },
      { type: 'fault.action', faultId: 'run.0', detail: 'SIGKILL api-0 (pid 1)' },
      { type: 'fault.reverted', faultId: 'run.0' },
      {
        type: 'probe.verdict',
        probeId: 'run.0/up',
        stepId: 'run.0',
        name: 'up',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'step.ended', stepId: 'run.0', status: 'ok' },
      { type: 'step.started', stepId: 'run.1' },
      {
        type: 'probe.verdict',
        probeId: 'run.1/up2',
        stepId: 'run.1',
        name: 'up2',
        probeType: 'http',
        mode: 'OnChaos',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'step.ended', stepId: 'run.1', status: 'ok' },
      { type: 'step.ended', stepId: 'run', status: 'ok' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'pass')
  assert.equal(r.resilienceScore, 100)
  assert.equal(r.reason, undefined)
  assert.equal(r.faults[0]!.actions[0]!.detail, 'SIGKILL api-0 (pid 1)')
  assert.ok(r.faults[0]!.injectedAt! < r.faults[0]!.revertedAt!)
  assert.deepEqual(
    r.steps.filter((s) => s.scored).map((s) => s.score),
    [100, 100]
  )
})

test('one failing probe out of two steps: fail, score 50, reason names the probe', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'probe.verdict',
        probeId: 'run.0/up',
        stepId: 'run.0',
        name: 'up',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'Failed',
        message: 'status 502',
      },
      { type: 'step.ended', stepId: 'run.0', status: 'ok' },
      { type: 'step.started', stepId: 'run.1' },
      {
        type: 'probe.verdict',
        probeId: 'run.1/up2',
        stepId: 'run.1',
        name: 'up2',
        probeType: 'http',
        mode: 'OnChaos',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'step.ended', stepId: 'run.1', status: 'ok' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'fail')
  assert.equal(r.resilienceScore, 50)
  assert.match(r.reason!, /probe up \(Continuous\) failed: status 502/)
})

test('interrupted beats everything; steps never run score 0', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.0' },
      { type: 'run.aborted', kind: 'signal', reason: 'interrupted by SIGINT' },
      {
        type: 'probe.verdict',
        probeId: 'run.0/up',
        stepId: 'run.0',
        name: 'up',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'N/A',
        message: 'stopped',
      },
      { type: 'step.ended', stepId: 'run.0', status: 'aborted' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'interrupted')
  assert.equal(r.reason, 'interrupted by SIGINT')
  assert.equal(r.steps.find((s) => s.id === 'run.1')!.status, 'not-run')
})

test('a fault that could not be injected is an error and its step scores 0', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'fault.failed',
        faultId: 'run.0',
        stepId: 'run.0',
        phase: 'inject',
        error: 'no running targets',
      },
      {
        type: 'probe.verdict',
        probeId: 'run.0/up',
        stepId: 'run.0',
        name: 'up',
        probeType: 'http',
        mode: 'Continuous',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'step.ended', stepId: 'run.0', status: 'error' },
      { type: 'run.aborted', kind: 'error', reason: 'fault kill could not be carried out' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'error')
  assert.equal(r.reason, 'fault "kill" (process-kill) could not be injected: no running targets')
  assert.equal(r.steps.find((s) => s.id === 'run.0')!.score, 0)
})

test('a system that fails to start is an error', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'system.failed', error: 'api-0 never became ready' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'error')
  assert.match(r.reason!, /never became ready/)
})

test('a fault reverted early by another process: the window ends then, the verdict is error', () => {
  const t0 = 1_700_000_000_000
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.1' },
      {
        type: 'fault.injected',
        faultId: 'run.1',
        stepId: 'run.1',
        faultType: 'process-pause',
        targets: ['x'],
      },
      {
        type: 'fault.reverted',
        faultId: 'run.1',
        early: { by: 'watchdog', reason: 'deadline passed: SIGCONT x', at: t0 + 1500 },
      },
      {
        type: 'probe.verdict',
        probeId: 'run.1/up2',
        stepId: 'run.1',
        name: 'up2',
        probeType: 'http',
        mode: 'OnChaos',
        verdict: 'Passed',
        message: 'ok',
      },
      { type: 'step.ended', stepId: 'run.1', status: 'error' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.verdict, 'error')
  assert.equal(
    r.reason,
    'fault "pause" was reverted early by watchdog (deadline passed: SIGCONT x)'
  )
  const fault = r.faults.find((f) => f.id === 'run.1')!
  // The ledger's time, not the time the runner noticed (the event's own t is t0 + 3000).
  assert.equal(fault.revertedAt, new Date(t0 + 1500).toISOString())
  assert.match(fault.error ?? '', /reverted early by watchdog/)
  // The step did not hold its fault as planned: it scores like a fault that was not injected.
  assert.equal(r.steps.find((s) => s.id === 'run.1')!.score, 0)
})

test('a journal a recovery appended to: the run died, the verdict is interrupted', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'run.recovered',
        by: 'ordeal server start-up',
        reason: 'its run died',
        undone: ['SIGCONT x'],
        failed: [],
      },
    ])
  )
  assert.equal(r.verdict, 'interrupted')
  assert.match(r.reason ?? '', /ordeal server start-up undid what it left/)
})

test('a fault injected on two hosts: one window, from the first inject to the last revert', () => {
  const injected = (host: string): JournalEventBody => ({
    type: 'fault.injected',
    faultId: 'run.0',
    stepId: 'run.0',
    faultType: 'network-partition',
    targets: [`agent ${host}`],
  })
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run.0' },
      injected('a'),
      injected('b'),
      { type: 'fault.reverted', faultId: 'run.0' },
      { type: 'fault.reverted', faultId: 'run.0' },
      { type: 'step.ended', stepId: 'run.0', status: 'ok' },
      { type: 'run.ended' },
    ])
  )
  const fault = r.faults.find((f) => f.id === 'run.0')
  assert.deepEqual(fault?.targets, ['agent a', 'agent b'])
  assert.equal(fault?.injectedAt, new Date(1_700_000_000_000 + 2_000).toISOString())
  assert.equal(fault?.revertedAt, new Date(1_700_000_000_000 + 5_000).toISOString())
})

test('fault.recovery events become the fault result recovery, in journal order; one not recovered fails the run', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run' },
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'fault.injected',
        faultId: 'run.0',
        stepId: 'run.0',
        faultType: 'process-kill',
        targets: ['orders-1'],
      },
      {
        type: 'fault.recovery',
        faultId: 'run.0',
        workload: 'deployment/orders',
        recovered: true,
        ms: 4200,
      },
      {
        type: 'fault.recovery',
        faultId: 'run.0',
        workload: 'statefulset/db',
        recovered: false,
        reason: 'not fully available within 2m (1 of 3 replicas available)',
      },
      { type: 'fault.reverted', faultId: 'run.0' },
      { type: 'step.ended', stepId: 'run.0', status: 'ok' },
      { type: 'step.ended', stepId: 'run', status: 'ok' },
      { type: 'run.ended' },
    ])
  )
  assert.deepEqual(r.faults[0]!.recovery, [
    { workload: 'deployment/orders', recovered: true, ms: 4200 },
    {
      workload: 'statefulset/db',
      recovered: false,
      reason: 'not fully available within 2m (1 of 3 replicas available)',
    },
  ])
  assert.equal(r.faults[0]!.targets[0], 'orders-1')
  // A workload that never came back disproves the hypothesis, as a failed probe would, and
  // scores like one: of the step's probe (not run here) and two recoveries, one passed.
  assert.equal(r.verdict, 'fail')
  assert.match(r.reason ?? '', /statefulset\/db was not fully available again after fault .*1 of 3/)
  assert.equal(r.steps.find((s) => s.id === 'run.0')?.score, 33)
})

test('a recovery that could not be measured (API down) is an error, exit 3, not a disproved hypothesis', () => {
  const r = deriveResult(
    journal([
      start,
      { type: 'step.started', stepId: 'run' },
      { type: 'step.started', stepId: 'run.0' },
      {
        type: 'fault.injected',
        faultId: 'run.0',
        stepId: 'run.0',
        faultType: 'pod-delete',
        targets: ['pod shop/orders-1'],
      },
      { type: 'fault.reverted', faultId: 'run.0' },
      {
        type: 'fault.recovery',
        faultId: 'run.0',
        workload: 'deployment/orders',
        recovered: false,
        reason: 'not fully available within 2m (connect ECONNREFUSED 127.0.0.1:6443)',
        error: 'connect ECONNREFUSED 127.0.0.1:6443',
      },
      { type: 'step.ended', stepId: 'run.0', status: 'ok' },
      { type: 'step.ended', stepId: 'run', status: 'ok' },
      { type: 'run.ended' },
    ])
  )
  assert.equal(r.faults[0]!.recovery?.[0]?.error, 'connect ECONNREFUSED 127.0.0.1:6443')
  assert.equal(r.verdict, 'error')
  assert.equal(EXIT_CODES[r.verdict], 3)
  assert.equal(
    r.reason,
    'the recovery of deployment/orders after fault "kill" could not be measured: connect ECONNREFUSED 127.0.0.1:6443'
  )
})

test('a fault without fault.recovery events has no recovery field (JSON unchanged for others)', () => {
  const r = deriveResult(
    journal([
      start,
      {
        type: 'fault.injected',
        faultId: 'run.0',
        stepId: 'run.0',
        faultType: 'process-kill',
        targets: ['api-0 (pid 1)'],
      },
      { type: 'fault.reverted', faultId: 'run.0' },
      { type: 'run.ended' },
    ])
  )
  assert.equal('recovery' in r.faults[0]!, false)
})
