import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { JournalEvent, JournalEventBody, PlannedStep } from '../engine/events.js'
import { deriveResult, EXIT_CODES } from '../engine/result.js'
import { formatSummary } from '../report/terminal.js'
import { junitXml as toJUnit } from '../report/junit.js'
import type { CapacityResult } from '../shared/capacity.js'
import fc from 'fast-check'
import { changeUnknown, judgeExpectation } from './expectation.js'
import { capacityLine } from './text.js'

const plan: PlannedStep[] = [
  {
    id: 'run',
    name: 'cap',
    kind: 'serial',
    path: 'spec',
    weight: 10,
    scored: false,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 0,
  },
  {
    id: 'run.0',
    name: 'find',
    kind: 'capacity',
    faultType: 'process-kill',
    path: 'spec.steps[0]',
    weight: 10,
    scored: true,
    probes: [],
    plannedStartMs: 0,
    plannedDurationMs: 0,
    parent: 'run',
  },
]

function capacity(expect?: { maxLossPercent: number }): CapacityResult {
  const base: CapacityResult = {
    stepId: 'run.0',
    name: 'find',
    precision: 0.05,
    baseline: {
      phase: 'baseline',
      sustainable: 1840,
      bracket: { low: 1840, high: 1900 },
      errorsFrom: 1900,
      generatorLimited: false,
      trials: 9,
    },
    fault: {
      phase: 'fault',
      sustainable: 1210,
      bracket: { low: 1210, high: 1260 },
      generatorLimited: false,
      trials: 8,
      faultType: 'process-kill',
      faultName: 'process-kill of rabbitmq',
      mode: 'held',
    },
    changePercent: -34.2,
  }
  return expect ? { ...base, expectation: judgeExpectation(expect, base) } : base
}

function run(result: CapacityResult) {
  const bodies: JournalEventBody[] = [
    { type: 'run.started', runId: 'r', experiment: 'cap', hypothesis: 'h', plan },
    { type: 'step.started', stepId: 'run' },
    { type: 'step.started', stepId: 'run.0' },
    { type: 'capacity.result', stepId: 'run.0', result },
    { type: 'step.ended', stepId: 'run.0', status: 'ok' },
    { type: 'step.ended', stepId: 'run', status: 'ok' },
    { type: 'run.ended' },
  ] as JournalEventBody[]
  return deriveResult(bodies.map((b, i) => ({ ...b, seq: i, t: 1e12 + i }) as JournalEvent))
}

test('a capacity answer without expect passes; the summary has the line', () => {
  const r = run(capacity())
  assert.equal(r.verdict, 'pass')
  assert.equal(r.resilienceScore, 100)
  assert.equal(r.capacity?.[0]?.fault?.sustainable, 1210)
  assert.match(
    formatSummary(r),
    /find: capacity: 1 840 → 1 210 req\/s \(−34\.2 %\) with process-kill of rabbitmq/
  )
  assert.match(toJUnit(r), /testcase[^>]*name="capacity: 1 840 → 1 210/)
})

test('an expectation met passes; one not met fails the run and scores the step 0', () => {
  assert.equal(run(capacity({ maxLossPercent: 40 })).verdict, 'pass')
  const r = run(capacity({ maxLossPercent: 20 }))
  assert.equal(r.verdict, 'fail')
  assert.equal(EXIT_CODES[r.verdict], 1)
  assert.equal(r.steps.find((s) => s.id === 'run.0')?.score, 0)
  assert.match(
    r.reason ?? '',
    /capacity of "find": the fault cost 34\.2 % of the capacity, expected at most 20 %/
  )
  assert.match(toJUnit(r), /CapacityExpectationFailed/)
})

test('atLeast is judged on the fault phase', () => {
  const c = capacity()
  assert.equal(judgeExpectation({ atLeast: 1000 }, c).met, true)
  assert.match(
    judgeExpectation({ atLeast: 1500 }, c).reason ?? '',
    /1210 req\/s, expected at least 1500/
  )
})

test('a baseline that is only a lower bound makes the loss unknown, never met (S4)', () => {
  const real = capacity()
  const cases: Array<[string, CapacityResult['baseline']]> = [
    [
      'generator',
      { ...real.baseline, sustainable: 1000, generatorLimited: true, generatorLimit: 1000 },
    ],
    ['max', { ...real.baseline, sustainable: 1000, bracket: { low: 1000, high: null } }],
  ]
  for (const [why, baseline] of cases) {
    // The fault phase found 800: a 20 % loss against the lower bound, the true loss unknown.
    const unknown = changeUnknown(baseline)
    assert.ok(unknown !== undefined, why)
    const result = { ...real, baseline, changeUnknown: unknown }
    delete result.changePercent
    const verdict = judgeExpectation({ maxLossPercent: 40 }, result)
    assert.equal(verdict.met, false, why)
    assert.equal(verdict.unknown, true, why)
    assert.match(verdict.reason ?? '', /lower bound/)
    assert.match(capacityLine(result), /change unknown/)
  }
  // A real answer stays measurable.
  assert.equal(changeUnknown(real.baseline), undefined)
})

test('property: with a lower-bound baseline, maxLoss is never met', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20_000 }),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: 0, max: 100 }),
      fc.boolean(),
      (before, after, maxLoss, generator) => {
        const real = capacity()
        const baseline = generator
          ? { ...real.baseline, sustainable: before, generatorLimited: true }
          : { ...real.baseline, sustainable: before, bracket: { low: before, high: null } }
        const fault = { ...real.fault!, sustainable: after }
        const unknown = changeUnknown(baseline)
        assert.ok(unknown !== undefined)
        const verdict = judgeExpectation(
          { maxLossPercent: maxLoss },
          { baseline, fault, changeUnknown: unknown }
        )
        assert.equal(verdict.met, false)
      }
    )
  )
})

test('a capacity step’s fault is named by its step and typed, even when an action comes first (S2)', () => {
  let seq = 0
  const at = (body: JournalEventBody) => ({ ...body, seq: seq++, t: 1e12 + seq }) as JournalEvent
  const bodies = [
    { type: 'run.started', runId: 'r', experiment: 'cap', hypothesis: 'h', plan },
    { type: 'step.started', stepId: 'run' },
    { type: 'step.started', stepId: 'run.0' },
    // process-kill acts before it reports the injection complete; per-trial ids are `.N`.
    { type: 'fault.action', faultId: 'run.0/fault.0', detail: 'SIGKILL api#1' },
    {
      type: 'fault.injected',
      faultId: 'run.0/fault.0',
      stepId: 'run.0',
      faultType: 'process-kill',
      targets: ['api#1'],
    },
    { type: 'fault.reverted', faultId: 'run.0/fault.0' },
    {
      type: 'fault.recovery',
      faultId: 'run.0/fault.0',
      workload: 'api',
      recovered: false,
      reason: 'down',
      elapsedMs: 5,
    },
    { type: 'fault.action', faultId: 'run.0/fault.1', detail: 'SIGKILL api#2' },
    { type: 'step.ended', stepId: 'run.0', status: 'ok' },
    { type: 'step.ended', stepId: 'run', status: 'ok' },
    { type: 'run.ended' },
  ] as JournalEventBody[]
  const r = deriveResult(bodies.map(at))
  for (const f of r.faults) {
    assert.equal(f.stepId, 'run.0', JSON.stringify(f))
    assert.equal(f.name, 'find')
    assert.equal(f.type, 'process-kill')
  }
  assert.match(r.reason ?? '', /after fault "find"/)
})
