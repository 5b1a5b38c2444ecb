/**
 * The run page's model, folded from journal events: pure and incremental, so the page can feed
 * it the initial pages of `/events` and then every live `journal` message without re-reading
 * what it already has. No Node APIs and no React: the web UI bundles it, node:test tests it.
 *
 * `applyEvents` mutates the view in place (O(events) per call, never O(history)) and bumps
 * `revision`, which is what a React component watches to know it must re-render.
 * @module
 */
import type {
  AbortKind,
  JournalEvent,
  PlannedCheck,
  PlannedStep,
  ProbeVerdict,
} from '../engine/events.js'
import type { LoadSummary } from '../load/contract.js'
import type { Finding, QueueCheckResult, SetCheckResult } from '../checks/contract.js'
import type { BacklogCheckResult, RecoveryCheckResult } from './metrics.js'
import { describeMetricCheck } from './metric-check-text.js'
import type { RecoveryResult } from './result.js'
import type { TransitionRecord } from '../monitors/contract.js'

/** `not-run`: the run ended before the step started. */
export type StepStatus = 'pending' | 'running' | 'ok' | 'error' | 'aborted' | 'not-run'

export interface StepState {
  id: string
  name: string
  kind: PlannedStep['kind']
  path: string
  parent?: string
  faultType?: string
  status: StepStatus
  startedAt?: number
  endedAt?: number
  error?: string
}

/** A fault's active window: what the timeline shades (Jepsen style). Times in ms epoch. */
export interface FaultWindowView {
  faultId: string
  stepId: string
  faultType: string
  targets: string[]
  start: number
  /** Undefined while the fault is still active (or if it was never reverted). */
  end?: number
  /** How many actions the driver took (each kill, each pause...). */
  actions: number
  /** Kubernetes faults: each workload's recovery, as its `fault.recovery` event arrives. */
  recovery?: RecoveryResult[]
  error?: string
}

export interface FaultFailure {
  faultId: string
  stepId: string
  phase: 'inject' | 'revert'
  error: string
  t: number
}

/**
 * One point per second of load, columnar so the chart can hand the arrays to uPlot without
 * copying. A tick's bucket is the wall-clock second it measures (its load's start plus
 * `tick.second`; the event time when the load's start is unknown). Parallel load steps that
 * measure the same second are merged: counts are summed, latency percentiles take the worst
 * (percentiles cannot be added).
 */
export interface LoadSeries {
  /** Seconds since the epoch (uPlot's time scale unit): event time of the bucket's first tick. */
  time: number[]
  sent: number[]
  ok: number[]
  /** http + timeout + connection errors. */
  errors: number[]
  dropped: number[]
  p50: number[]
  p95: number[]
  p99: number[]
  inFlight: number[]
}

export interface LoadView {
  stepId: string
  method: string
  url: string
  targetRate: number
  durationMs: number
  startedAt: number
  endedAt?: number
  summary?: LoadSummary
}

export type ProbeRowVerdict = ProbeVerdict | 'pending'

export interface ProbeAttemptView {
  phase: 'pre' | 'during' | 'post'
  passed: boolean
  message: string
  t: number
}

export interface ProbeRow {
  id: string
  stepId: string
  name: string
  type: string
  mode: string
  verdict: ProbeRowVerdict
  message: string
  attempts: number
  failedAttempts: number
  latest?: ProbeAttemptView
}

export interface CheckView {
  id: string
  name: string
  type: string
  stepId?: string
  status: 'pending' | 'running' | 'done'
  verdict: ProbeRowVerdict
  lost: Finding[]
  /** Duplicated ids; queue checks also say how many times each was delivered. */
  duplicated: { id: string; count?: number }[]
  unexpected: string[]
  /** Set checks: ids written but never seen by any read. */
  neverRead: Finding[]
  /** Queue checks: delivered although not acknowledged. */
  recovered: Finding[]
  attempted?: number
  result?: QueueCheckResult | SetCheckResult | BacklogCheckResult | RecoveryCheckResult
  /** Backlog and recovery checks: their one line (`drained to 12 < 100 in 8.4 s after …`). */
  message?: string
  error?: string
}

/**
 * A monitor of the run (issue 19), as its journal events arrive: what its lane on the timeline
 * is drawn from (monitor-lanes.ts). Times in ms epoch.
 */
export interface MonitorView {
  name: string
  /** From `run.started.monitors`; undefined for a monitor only seen moving. */
  initial?: string
  states: string[]
  /** Every transition, in journal order, its parts' (`name/part`) included. */
  transitions: TransitionRecord[]
  verdict?: 'accept' | 'fail'
  reason?: string
  /** The transition that decided (for a failure, the one that failed). */
  decidedBy?: TransitionRecord
}

export interface AbortView {
  kind: AbortKind
  reason: string
  t: number
}

export interface RunView {
  runId?: string
  experiment?: string
  hypothesis?: string
  plan: PlannedStep[]
  steps: StepState[]
  faults: FaultWindowView[]
  faultFailures: FaultFailure[]
  load: LoadSeries
  loads: LoadView[]
  probes: ProbeRow[]
  checks: CheckView[]
  monitors: MonitorView[]
  /** `system.ready`: when the monitors started (monitor-feed.ts starts them there). */
  readyAt?: number
  abort?: AbortView
  systemError?: string
  warnings: { t: number; message: string }[]
  startedAt?: number
  endedAt?: number
  /** Highest seq applied; events at or below it are ignored (stream reconnects may overlap). */
  lastSeq: number
  /** Op events seen (when they are fed; the page usually gets the count from the stream). */
  opCount: number
  eventCount: number
  /** Bumped by every `applyEvents` that changed something. */
  revision: number
  /** Indexes, so every event is O(1) to apply. */
  index: {
    steps: Map<string, number>
    faults: Map<string, number>
    probes: Map<string, number>
    checks: Map<string, number>
    monitors: Map<string, number>
    loads: Map<string, number>
    /** Load bucket (whole epoch second) → position in `load`. */
    seconds: Map<number, number>
    /** The bucket of each position in `load`, to re-index after an insertion. */
    buckets: number[]
  }
}

export function createRunView(): RunView {
  return {
    plan: [],
    steps: [],
    faults: [],
    faultFailures: [],
    load: {
      time: [],
      sent: [],
      ok: [],
      errors: [],
      dropped: [],
      p50: [],
      p95: [],
      p99: [],
      inFlight: [],
    },
    loads: [],
    probes: [],
    checks: [],
    monitors: [],
    warnings: [],
    lastSeq: -1,
    opCount: 0,
    eventCount: 0,
    revision: 0,
    index: {
      steps: new Map(),
      faults: new Map(),
      probes: new Map(),
      checks: new Map(),
      monitors: new Map(),
      loads: new Map(),
      seconds: new Map(),
      buckets: [],
    },
  }
}

/** Folds `events` (in seq order) into `view`, in place; returns the same view for chaining. */
export function applyEvents(view: RunView, events: readonly JournalEvent[]): RunView {
  let changed = false
  for (const e of events) {
    if (e.seq <= view.lastSeq) {
      continue
    }
    view.lastSeq = e.seq
    view.eventCount++
    changed = true
    applyOne(view, e)
  }
  if (changed) {
    view.revision++
  }
  return view
}

function applyOne(view: RunView, e: JournalEvent): void {
  switch (e.type) {
    case 'run.started':
      view.runId = e.runId
      view.experiment = e.experiment
      view.hypothesis = e.hypothesis
      view.startedAt = e.t
      planned(view, e.plan, e.checks ?? [])
      for (const m of e.monitors ?? []) {
        Object.assign(monitor(view, m.name), { initial: m.initial, states: m.states })
      }
      break
    case 'system.ready':
      view.readyAt = e.t
      break
    case 'monitor.transition':
      monitor(view, e.monitor).transitions.push(e.transition)
      break
    case 'monitor.ended':
      Object.assign(monitor(view, e.monitor), {
        verdict: e.verdict,
        reason: e.reason,
        decidedBy: e.transition,
      })
      break
    case 'run.ended':
      view.endedAt = e.t
      // Nothing is pending once the run is over (the runner journals not-run probe verdicts).
      for (const s of view.steps) {
        s.status =
          s.status === 'pending' ? 'not-run' : s.status === 'running' ? 'aborted' : s.status
      }
      break
    case 'run.aborted':
      // The first abort is the cause; later ones (a signal during rollback) only echo it.
      view.abort ??= { kind: e.kind, reason: e.reason, t: e.t }
      break
    case 'run.warning':
      view.warnings.push({ t: e.t, message: e.message })
      break
    case 'run.recovered':
      view.warnings.push({
        t: e.t,
        message: `recovered by ${e.by} (${e.reason}): undone ${e.undone.join(', ') || 'nothing'}${e.failed.length ? `; failed ${e.failed.join(', ')}` : ''}`,
      })
      break
    case 'system.failed':
      view.systemError = e.error
      break
    case 'step.started': {
      const s = step(view, e.stepId)
      s.status = 'running'
      s.startedAt = e.t
      break
    }
    case 'step.ended': {
      const s = step(view, e.stepId)
      s.status = e.status
      s.endedAt = e.t
      if (e.error) {
        s.error = e.error
      }
      break
    }
    case 'fault.injected': {
      const i = view.index.faults.get(e.faultId)
      const existing = i === undefined ? undefined : view.faults[i]
      if (existing) {
        // A fault.action may have arrived first (a driver can act before reporting).
        existing.start = e.t
        existing.targets = e.targets
        existing.faultType = e.faultType
      } else {
        addFault(view, {
          faultId: e.faultId,
          stepId: e.stepId,
          faultType: e.faultType,
          targets: e.targets,
          start: e.t,
          actions: 0,
        })
      }
      break
    }
    case 'fault.action': {
      const i = view.index.faults.get(e.faultId)
      const f = i === undefined ? undefined : view.faults[i]
      if (f) {
        f.actions++
      } else {
        const planned = view.plan.find((p) => p.id === e.faultId)
        addFault(view, {
          faultId: e.faultId,
          stepId: e.faultId,
          faultType: planned?.faultType ?? 'unknown',
          targets: [],
          start: e.t,
          actions: 1,
        })
      }
      break
    }
    case 'fault.recovery': {
      const i = view.index.faults.get(e.faultId)
      const f = i === undefined ? undefined : view.faults[i]
      if (f) {
        const { workload, recovered, ms, reason, error } = e
        f.recovery = [
          ...(f.recovery ?? []),
          {
            workload,
            recovered,
            ...(ms === undefined ? {} : { ms }),
            ...(reason === undefined ? {} : { reason }),
            ...(error === undefined ? {} : { error }),
          },
        ]
      }
      break
    }
    case 'fault.reverted': {
      const i = view.index.faults.get(e.faultId)
      const f = i === undefined ? undefined : view.faults[i]
      if (f) {
        // Reverted early by someone else: the window ended when they undid it.
        f.end = e.early?.at ?? e.t
      }
      break
    }
    case 'fault.failed': {
      view.faultFailures.push({
        faultId: e.faultId,
        stepId: e.stepId,
        phase: e.phase,
        error: e.error,
        t: e.t,
      })
      const i = view.index.faults.get(e.faultId)
      const f = i === undefined ? undefined : view.faults[i]
      if (f) {
        f.error = `${e.phase} failed: ${e.error}`
        // A failed revert still ends the window as far as the chart can know.
        f.end ??= e.phase === 'revert' ? e.t : undefined
      }
      break
    }
    case 'probe.attempt': {
      const p = probe(view, e.probeId)
      p.attempts++
      p.failedAttempts += e.passed ? 0 : 1
      p.latest = { phase: e.phase, passed: e.passed, message: e.message, t: e.t }
      break
    }
    case 'probe.verdict': {
      const p = probe(view, e.probeId)
      p.stepId = e.stepId
      p.name = e.name
      p.type = e.probeType
      p.mode = e.mode
      p.verdict = e.verdict
      p.message = e.message
      break
    }
    case 'load.started': {
      view.index.loads.set(e.stepId, view.loads.length)
      view.loads.push({
        stepId: e.stepId,
        method: e.method,
        url: e.url,
        targetRate: e.targetRate,
        durationMs: e.durationMs,
        startedAt: e.t,
      })
      break
    }
    case 'load.ended': {
      const i = view.index.loads.get(e.stepId)
      const l = i === undefined ? undefined : view.loads[i]
      if (l) {
        l.endedAt = e.t
        l.summary = e.summary
      }
      break
    }
    case 'load.tick': {
      const i = view.index.loads.get(e.stepId)
      const started = i === undefined ? undefined : view.loads[i]?.startedAt
      // Bucket by the second the tick measures (load start + tick.second), not by when it was
      // written: a late tick would otherwise share a wall-clock second with the next one.
      const bucket = Math.floor(started === undefined ? e.t / 1000 : started / 1000 + e.tick.second)
      addTick(view.load, view.index, bucket, e.t, e.tick)
      break
    }
    case 'op':
      view.opCount++
      break
    case 'check.started': {
      const c = check(view, e.checkId, e.name)
      c.status = 'running'
      break
    }
    case 'check.result': {
      const c = check(view, e.checkId, e.name)
      c.type = e.checkType
      c.status = 'done'
      checkResult(c, e.result, e.error, view.startedAt ?? e.t)
      break
    }
    default:
      // system.*, service.*, network.created: shown in the journal, not modelled here.
      break
  }
}

function planned(view: RunView, plan: PlannedStep[], checks: PlannedCheck[]): void {
  view.plan = plan
  for (const p of plan) {
    step(view, p.id)
    const s = view.steps[view.index.steps.get(p.id)!]!
    s.name = p.name
    s.kind = p.kind
    s.path = p.path
    if (p.parent !== undefined) {
      s.parent = p.parent
    }
    if (p.faultType !== undefined) {
      s.faultType = p.faultType
    }
    for (const pr of p.probes) {
      const row = probe(view, pr.id)
      row.stepId = p.id
      row.name = pr.name
      row.type = pr.type
      row.mode = pr.mode
    }
  }
  for (const c of checks) {
    const row = check(view, c.id, c.name)
    row.stepId = c.stepId
    row.type = c.type
  }
}

/** The step with this id, created as a bare pending step when the plan did not name it. */
function step(view: RunView, id: string): StepState {
  const i = view.index.steps.get(id)
  if (i !== undefined) {
    return view.steps[i]!
  }
  const s: StepState = { id, name: id, kind: 'wait', path: id, status: 'pending' }
  view.index.steps.set(id, view.steps.length)
  view.steps.push(s)
  return s
}

function probe(view: RunView, id: string): ProbeRow {
  const i = view.index.probes.get(id)
  if (i !== undefined) {
    return view.probes[i]!
  }
  const p: ProbeRow = {
    id,
    stepId: '',
    name: id,
    type: '',
    mode: '',
    verdict: 'pending',
    message: '',
    attempts: 0,
    failedAttempts: 0,
  }
  view.index.probes.set(id, view.probes.length)
  view.probes.push(p)
  return p
}

function check(view: RunView, id: string, name: string): CheckView {
  const i = view.index.checks.get(id)
  if (i !== undefined) {
    return view.checks[i]!
  }
  const c: CheckView = {
    id,
    name,
    type: '',
    status: 'pending',
    verdict: 'pending',
    lost: [],
    duplicated: [],
    unexpected: [],
    neverRead: [],
    recovered: [],
  }
  view.index.checks.set(id, view.checks.length)
  view.checks.push(c)
  return c
}

function monitor(view: RunView, name: string): MonitorView {
  const i = view.index.monitors.get(name)
  if (i !== undefined) {
    return view.monitors[i]!
  }
  const m: MonitorView = { name, states: [], transitions: [] }
  view.index.monitors.set(name, view.monitors.length)
  view.monitors.push(m)
  return m
}

function addFault(view: RunView, f: FaultWindowView): void {
  view.index.faults.set(f.faultId, view.faults.length)
  view.faults.push(f)
}

function checkResult(
  c: CheckView,
  result: QueueCheckResult | SetCheckResult | BacklogCheckResult | RecoveryCheckResult | undefined,
  error: string | undefined,
  runStartedAt: number
): void {
  if (!result) {
    // Same rule as deriveResult: a check that could not be evaluated fails.
    c.verdict = 'Failed'
    c.error = error ?? 'unknown error'
    return
  }
  if (result.type === 'backlog' || result.type === 'recovery') {
    c.result = result
    c.verdict = result.valid ? 'Passed' : 'Failed'
    c.message = describeMetricCheck(result, runStartedAt)
    return
  }
  c.result = result
  c.attempted = result.attempted
  c.lost = result.lost
  c.verdict = result.valid === true ? 'Passed' : result.valid === false ? 'Failed' : 'N/A'
  if (result.type === 'queue') {
    c.duplicated = result.duplicated.map((d) => ({ id: d.id, count: d.count }))
    c.unexpected = result.unexpected
    c.recovered = result.recovered
  } else {
    c.duplicated = result.duplicated.map((id) => ({ id }))
    c.neverRead = result.neverRead
  }
}

function addTick(
  s: LoadSeries,
  index: RunView['index'],
  bucket: number,
  t: number,
  tick: {
    sent: number
    ok: number
    errors: { http: number; timeout: number; connection: number }
    dropped: number
    p50: number
    p95: number
    p99: number
    inFlight: number
  }
): void {
  const { seconds, buckets } = index
  const errors = tick.errors.http + tick.errors.timeout + tick.errors.connection
  const at = seconds.get(bucket)
  if (at !== undefined) {
    s.sent[at]! += tick.sent
    s.ok[at]! += tick.ok
    s.errors[at]! += errors
    s.dropped[at]! += tick.dropped
    s.inFlight[at]! += tick.inFlight
    s.p50[at] = Math.max(s.p50[at]!, tick.p50)
    s.p95[at] = Math.max(s.p95[at]!, tick.p95)
    s.p99[at] = Math.max(s.p99[at]!, tick.p99)
    return
  }
  // Ticks arrive in seq order, which is bucket order but for parallel loads' jitter: find the
  // sorted position from the end (almost always the end itself).
  let pos = s.time.length
  while (pos > 0 && buckets[pos - 1]! > bucket) {
    pos--
  }
  buckets.splice(pos, 0, bucket)
  const values: [keyof LoadSeries, number][] = [
    ['time', t / 1000],
    ['sent', tick.sent],
    ['ok', tick.ok],
    ['errors', errors],
    ['dropped', tick.dropped],
    ['p50', tick.p50],
    ['p95', tick.p95],
    ['p99', tick.p99],
    ['inFlight', tick.inFlight],
  ]
  for (const [k, v] of values) {
    s[k].splice(pos, 0, v)
  }
  if (pos < s.time.length - 1) {
    // An insertion in the middle shifted later buckets: rebuild their positions.
    for (let i = pos; i < s.time.length; i++) {
      seconds.set(buckets[i]!, i)
    }
  }
  seconds.set(bucket, pos)
}

/** Milliseconds the run has lasted: until its end, or until `now` while it runs. */
export function runDurationMs(view: RunView, now: number): number | undefined {
  if (view.startedAt === undefined) {
    return undefined
  }
  return (view.endedAt ?? now) - view.startedAt
}
