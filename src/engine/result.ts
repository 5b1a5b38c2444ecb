/**
 * Derives the run result from the journal alone (DESIGN.md: "the result is derived from the
 * journal"), so a replayed journal yields exactly the same verdict and score.
 * @module
 */
import type { AbortKind, JournalEvent, ProbeVerdict } from './events.js'
import { runScore, stepScore } from './score.js'
import { notRunVerdicts } from './not-run.js'
import type { LoadSummary } from '../load/contract.js'
import type { QueueCheckResult, SetCheckResult } from '../checks/contract.js'
import type { HistoryOp } from '../load/contract.js'
import { describeLost } from '../checks/windows.js'
import type { BacklogCheckResult, RecoveryCheckResult } from '../shared/metrics.js'
import { describeMetricCheck } from '../shared/metric-check-text.js'
import { faultWindows } from './fault-windows.js'
import { thresholdReason } from './threshold-reason.js'
import type { CapacityResult } from '../shared/capacity.js'
import { describeTransition } from '../monitors/text.js'
import type {
  CaptureResult,
  CheckResult,
  MonitorResult,
  FaultResult,
  LoadResult,
  ProbeResult,
  RecoveryResult,
  RunResult,
  StepResult,
  Verdict,
} from '../shared/result.js'

export type { CheckResult, FaultResult, LoadResult, ProbeResult, RunResult, StepResult, Verdict }

/** Exit codes (DESIGN.md "Contracts"). */
export const EXIT_CODES: Record<Verdict, number> = { pass: 0, fail: 1, error: 3, interrupted: 130 }

const iso = (t: number) => new Date(t).toISOString()

export function deriveResult(events: readonly JournalEvent[]): RunResult {
  const started = events.find((e) => e.type === 'run.started')
  if (!started || started.type !== 'run.started') {
    throw new Error('journal has no run.started event')
  }
  const last = events[events.length - 1] ?? started
  const steps = new Map<string, StepResult>()
  for (const p of started.plan) {
    steps.set(p.id, {
      id: p.id,
      name: p.name,
      kind: p.kind,
      path: p.path,
      weight: p.weight,
      scored: p.scored,
      score: null,
      status: 'not-run',
    })
  }
  const probes = new Map<string, ProbeResult>()
  for (const p of started.plan) {
    for (const probe of p.probes) {
      probes.set(probe.id, {
        ...probe,
        stepId: p.id,
        verdict: 'N/A',
        message: 'not evaluated',
        attempts: 0,
        failedAttempts: 0,
      })
    }
  }
  const faults = new Map<string, FaultResult>()
  const loads = new Map<string, LoadResult>()
  const checks = new Map<string, CheckResult>()
  const capacity: CapacityResult[] = []
  const captures: CaptureResult[] = []
  const monitors = new Map<string, MonitorResult>(
    (started.monitors ?? []).map((m) => [
      m.name,
      { name: m.name, verdict: 'not-run', state: m.initial, states: m.states, transitions: [] },
    ])
  )
  for (const c of started.checks ?? []) {
    checks.set(c.id, {
      id: c.id,
      name: c.name,
      type: c.type,
      verdict: 'N/A',
      message: 'not evaluated',
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    })
  }
  const failures: { kind: AbortKind | 'probe-failed' | 'system' | 'fault'; reason: string }[] = []
  const nameOf = (stepId: string) => steps.get(stepId)?.name ?? stepId
  // Per load step: when it started and its failed completions, to explain failed thresholds
  // once every fault window is known (after the loop).
  const loadEvidence = new Map<string, { startedAt: number; failures: HistoryOp[] }>()
  const thresholdFailures: {
    failure: { reason: string }
    stepId: string
    threshold: LoadSummary['thresholds'][number]
  }[] = []

  for (const e of events) {
    switch (e.type) {
      case 'step.started': {
        const s = steps.get(e.stepId)
        if (s) {
          s.startedAt = iso(e.t)
          s.status = 'ok'
        }
        break
      }
      case 'step.ended': {
        const s = steps.get(e.stepId)
        if (s) {
          s.endedAt = iso(e.t)
          s.status = e.status
          if (e.error) {
            s.error = e.error
          }
        }
        break
      }
      case 'fault.injected': {
        // A cross-host fault is injected once per side (multi-host runs): its window opens
        // at the first, over every side's targets.
        const f = faultOf(faults, e.faultId, e.stepId, e.faultType, nameOf(e.stepId))
        faults.set(e.faultId, {
          ...f,
          // An action may have come first, before its step and type were known.
          stepId: e.stepId,
          type: e.faultType,
          name: nameOf(e.stepId),
          targets: f.injectedAt === undefined ? e.targets : [...f.targets, ...e.targets],
          injectedAt: f.injectedAt ?? iso(e.t),
        })
        break
      }
      case 'fault.action': {
        // A driver may act (the first kill) before it reports the injection complete.
        const stepId = faultStepId(started.plan, e.faultId)
        const type = started.plan.find((p) => p.id === stepId)?.faultType ?? 'unknown'
        const f = faultOf(faults, e.faultId, stepId, type, nameOf(stepId))
        f.actions.push({ at: iso(e.t), detail: e.detail })
        faults.set(e.faultId, f)
        break
      }
      case 'fault.recovery': {
        // Kept in journal order, one per workload and settle: a fault repeating on an
        // interval may report the same workload more than once.
        const stepId = faultStepId(started.plan, e.faultId)
        const type = started.plan.find((p) => p.id === stepId)?.faultType ?? 'unknown'
        const f = faultOf(faults, e.faultId, stepId, type, nameOf(stepId))
        f.recovery = [...(f.recovery ?? []), recoveryOf(e)]
        faults.set(e.faultId, f)
        // A recovery that could not be observed (API down, forbidden) proves nothing either
        // way: the run errs. A workload seen not coming back disproves any hypothesis about
        // it, probe or not (Litmus fails an experiment whose application is not healthy after).
        if (e.error !== undefined) {
          failures.push({
            kind: 'error',
            reason: `the recovery of ${e.workload} after fault "${nameOf(stepId)}" could not be measured: ${e.error}`,
          })
        } else if (!e.recovered) {
          failures.push({
            kind: 'probe-failed',
            reason: `${e.workload} was not fully available again after fault "${nameOf(stepId)}": ${e.reason ?? 'no reason given'}`,
          })
        }
        break
      }
      case 'fault.reverted': {
        const f = faults.get(e.faultId)
        if (f) {
          // Reverted early by someone else: the fault window ended then, not when we noticed.
          f.revertedAt = iso(e.early?.at ?? e.t)
        }
        if (e.early) {
          const why = `reverted early by ${e.early.by} (${e.early.reason})`
          if (f) {
            f.error = why
          }
          failures.push({ kind: 'fault', reason: `fault "${nameOf(e.faultId)}" was ${why}` })
        }
        break
      }
      case 'fault.failed': {
        const f = faultOf(
          faults,
          e.faultId,
          e.stepId,
          started.plan.find((p) => p.id === e.stepId)?.faultType ?? 'unknown',
          nameOf(e.stepId)
        )
        f.error = `${e.phase} failed: ${e.error}`
        faults.set(e.faultId, f)
        failures.push({
          kind: 'fault',
          reason: `fault "${nameOf(e.stepId)}" (${f.type}) could not be ${e.phase === 'inject' ? 'injected' : 'reverted'}: ${e.error}`,
        })
        break
      }
      case 'probe.attempt': {
        const p = probes.get(e.probeId)
        if (p) {
          p.attempts++
          p.failedAttempts += e.passed ? 0 : 1
        }
        break
      }
      case 'probe.verdict': {
        const p = probes.get(e.probeId)
        if (p) {
          p.verdict = e.verdict
          p.message = e.message
          if (e.verdict === 'Failed') {
            failures.push({
              kind: 'probe-failed',
              reason: `probe ${e.name} (${e.mode}) failed: ${e.message}`,
            })
          }
        }
        break
      }
      case 'op':
        if (e.op.type === 'fail' || e.op.type === 'info') {
          loadEvidence.get(e.stepId)?.failures.push(e.op)
        }
        break
      case 'load.started':
        loadEvidence.set(e.stepId, { startedAt: e.t, failures: [] })
        loads.set(e.stepId, {
          stepId: e.stepId,
          name: steps.get(e.stepId)?.name ?? e.stepId,
          method: e.method,
          url: e.url,
        })
        break
      case 'load.ended': {
        const l = loads.get(e.stepId)
        if (l) {
          l.summary = e.summary
        }
        for (const t of e.summary.thresholds.filter((t) => !t.ok)) {
          const failure = { kind: 'probe-failed' as const, reason: '' }
          failures.push(failure)
          thresholdFailures.push({ failure, stepId: e.stepId, threshold: t })
        }
        break
      }
      case 'check.result': {
        const c = checks.get(e.checkId)
        if (c) {
          Object.assign(c, checkVerdict(e.result, e.error, started.t))
          if (c.verdict === 'Failed') {
            failures.push({
              kind: 'probe-failed',
              reason: `check ${c.name} (${c.type}) failed: ${c.message}`,
            })
          }
        }
        break
      }
      case 'monitor.transition': {
        const m = monitorOf(monitors, e.monitor, e.transition.from)
        m.transitions.push({ ...e.transition, at: iso(e.transition.at) })
        if (e.transition.monitor === e.monitor && !['accept', 'fail'].includes(e.transition.to)) {
          m.state = e.transition.to
        }
        break
      }
      case 'monitor.ended': {
        Object.assign(monitorOf(monitors, e.monitor, e.state), {
          verdict: e.verdict,
          reason: e.reason,
          state: e.state,
          endedAt: iso(e.transition.at),
          decidedBy: { ...e.transition, at: iso(e.transition.at) },
        })
        if (e.verdict === 'fail') {
          // Which transition failed on which observation: the failure says it in one line.
          const how = describeTransition(e.transition, started.t)
          failures.push({
            kind: 'probe-failed',
            reason: `monitor ${e.monitor} failed: ${e.reason} (${e.transition.monitor}: ${how})`,
          })
        }
        break
      }
      case 'capture.saved':
        captures.push(e.capture)
        break
      case 'capacity.result':
        capacity.push(e.result)
        if (e.result.expectation?.met === false) {
          failures.push({
            kind: 'probe-failed',
            reason: `capacity of "${nameOf(e.stepId)}": ${e.result.expectation.reason ?? 'expectation not met'}`,
          })
        }
        break
      case 'system.failed':
        failures.push({ kind: 'system', reason: `system failed to start: ${e.error}` })
        break
      case 'run.aborted':
        failures.push({ kind: e.kind, reason: e.reason })
        break
      case 'run.recovered':
        // The run died before its own rollback: like an interrupt, with the undo done for it.
        failures.push({ kind: 'signal', reason: `the run died; ${e.by} undid what it left` })
        break
      default:
        break
    }
  }

  // Failed thresholds, explained now that every fault window is known.
  const windows = faultWindows({ events })
  for (const { failure, stepId, threshold } of thresholdFailures) {
    const evidence = loadEvidence.get(stepId)
    const load = loads.get(stepId)
    const reason = thresholdReason(threshold, {
      runStartedAt: started.t,
      loadStartedAt: evidence?.startedAt ?? started.t,
      failures: evidence?.failures ?? [],
      timeline: load?.summary?.timeline ?? [],
      faults: windows,
    })
    failure.reason = `threshold of "${nameOf(stepId)}" failed: ${reason}`
    if (load) {
      load.failedThresholds = [
        ...(load.failedThresholds ?? []),
        { metric: threshold.metric, expression: threshold.expression, reason },
      ]
    }
  }

  // Journals written before the runner recorded not-run probes read the same as new ones.
  for (const e of notRunVerdicts(events)) {
    Object.assign(probes.get(e.probeId) ?? {}, { verdict: e.verdict, message: e.message })
  }

  const verdict = verdictOf(failures.map((f) => f.kind))
  const reasonKinds: Record<Verdict, string[]> = {
    pass: [],
    interrupted: ['signal'],
    error: ['system', 'fault', 'error'],
    fail: ['deadline', 'probe', 'threshold', 'probe-failed'],
  }
  // The most telling reason first: an abort says why the run stopped, then the first failure.
  const reason = reasonKinds[verdict]
    .map((k) => failures.find((f) => f.kind === k))
    .find(Boolean)?.reason

  const scored: { weight: number; ran: boolean; probesTotal: number; probesPassed: number }[] = []
  for (const s of steps.values()) {
    if (!s.scored) {
      continue
    }
    const own = [...probes.values()].filter((p) => p.stepId === s.id)
    const fault = faults.get(s.id)
    // Thresholds score like probes of their load step, checks like probes of the run.
    const thresholds = started.plan.find((p) => p.id === s.id)?.thresholds?.length ?? 0
    const thresholdsPassed = loads.get(s.id)?.summary?.thresholds.filter((t) => t.ok).length ?? 0
    const ownChecks = (started.checks ?? [])
      .filter((c) => c.stepId === s.id)
      .map((c) => checks.get(c.id)!)
    // Monitors score like probes of the run's root step.
    const ownMonitors = s.id === 'run' ? [...monitors.values()] : []
    const input = {
      weight: s.weight,
      // A fault not injected, or reverted early by someone else, did not hold as planned.
      // A capacity step whose `expect` was not met disproved the hypothesis: it scores 0.
      ran:
        s.status !== 'not-run' &&
        !capacity.some((c) => c.stepId === s.id && c.expectation?.met === false) &&
        !(fault?.error?.startsWith('inject') ?? false) &&
        !(fault?.error?.startsWith('reverted early') ?? false),
      // Each recovery a fault step measured scores like one of its probes.
      probesTotal:
        own.length +
        thresholds +
        ownChecks.length +
        (fault?.recovery?.length ?? 0) +
        ownMonitors.length,
      probesPassed:
        own.filter((p) => p.verdict === 'Passed').length +
        thresholdsPassed +
        ownChecks.filter((c) => c.verdict === 'Passed').length +
        (fault?.recovery?.filter((r) => r.recovered).length ?? 0) +
        ownMonitors.filter((m) => m.verdict === 'accept').length,
    }
    s.score = stepScore(input)
    scored.push(input)
  }

  return {
    runId: started.runId,
    experiment: started.experiment,
    hypothesis: started.hypothesis,
    verdict,
    ...(reason === undefined ? {} : { reason }),
    resilienceScore: runScore(scored, verdict === 'pass' ? 100 : 0),
    startedAt: iso(started.t),
    endedAt: iso(last.t),
    steps: [...steps.values()],
    probes: [...probes.values()],
    checks: [...checks.values()],
    faults: [...faults.values()],
    loads: [...loads.values()],
    ...(capacity.length === 0 ? {} : { capacity }),
    ...(started.seed === undefined ? {} : { seed: started.seed }),
    ...(captures.length === 0 ? {} : { captures }),
    ...(monitors.size === 0 ? {} : { monitors: [...monitors.values()] }),
  }
}

function checkVerdict(
  result: QueueCheckResult | SetCheckResult | BacklogCheckResult | RecoveryCheckResult | undefined,
  error: string | undefined,
  runStartedAt: number
): Partial<CheckResult> {
  if (!result) {
    return {
      verdict: 'Failed',
      message: `could not be evaluated: ${error ?? 'unknown error'}`,
      ...(error ? { error } : {}),
    }
  }
  if (result.type === 'backlog' || result.type === 'recovery') {
    const verdict: ProbeVerdict = result.valid ? 'Passed' : 'Failed'
    return { verdict, message: describeMetricCheck(result, runStartedAt), details: result }
  }
  const lost = result.lost.length
  const duplicated = result.duplicated.length
  const unexpected = result.type === 'queue' ? result.unexpected.length : 0
  const counts =
    result.type === 'queue'
      ? `attempted ${result.attempted}, acknowledged ${result.acknowledged}, delivered ${result.delivered}, lost ${lost}, duplicated ${duplicated}, unexpected ${unexpected}, recovered ${result.recovered.length}`
      : `attempted ${result.attempted}, stable ${result.stable}, lost ${lost}, never read ${result.neverRead.length}, duplicated ${duplicated}`
  const verdict: ProbeVerdict =
    result.valid === true ? 'Passed' : result.valid === false ? 'Failed' : 'N/A'
  const firstLost = result.lost[0]
    ? `; first lost: ${describeLost(result.lost[0], result.type)}`
    : ''
  return {
    verdict,
    message: `${counts}${firstLost}`,
    lost,
    duplicated,
    unexpected,
    details: result,
  }
}

function recoveryOf(e: Extract<JournalEvent, { type: 'fault.recovery' }>): RecoveryResult {
  return {
    workload: e.workload,
    recovered: e.recovered,
    ...(e.ms === undefined ? {} : { ms: e.ms }),
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.error === undefined ? {} : { error: e.error }),
  }
}

/**
 * The step a fault id belongs to: a fault step's id is its own; a capacity step's faults are
 * `<step>/fault` (held) and `<step>/fault.N` (one per trial).
 */
function faultStepId(plan: readonly { id: string }[], faultId: string): string {
  if (plan.some((p) => p.id === faultId)) {
    return faultId
  }
  const step = faultId.replace(/\/fault(\.\d+)?$/, '')
  return plan.some((p) => p.id === step) ? step : faultId
}

/** A monitor not planned in `run.started` (one code started) still gets its result. */
function monitorOf(
  monitors: Map<string, MonitorResult>,
  name: string,
  state: string
): MonitorResult {
  const m = monitors.get(name) ?? { name, verdict: 'not-run', state, states: [], transitions: [] }
  monitors.set(name, m)
  return m
}

function faultOf(
  faults: Map<string, FaultResult>,
  id: string,
  stepId: string,
  type: string,
  name: string
): FaultResult {
  return faults.get(id) ?? { id, name, stepId, type, targets: [], actions: [] }
}

function verdictOf(kinds: string[]): Verdict {
  if (kinds.includes('signal')) {
    return 'interrupted'
  }
  if (kinds.some((k) => k === 'system' || k === 'fault' || k === 'error')) {
    return 'error'
  }
  // An abort (deadline, stop condition, stopOnFailure) rolls back and reports `fail` with why.
  if (
    kinds.some(
      (k) => k === 'deadline' || k === 'probe' || k === 'threshold' || k === 'probe-failed'
    )
  ) {
    return 'fail'
  }
  return 'pass'
}
