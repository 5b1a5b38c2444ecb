/**
 * Folds a run's journal into the report's data (data.ts), one event at a time, so a 1M-op run
 * costs no more memory than its per-second series: `op` events are only counted. The run page's
 * model (shared/run-view.ts) does most of the work; this adds what the report shows and the page
 * does not keep (every probe attempt, metric samples, capacity trials).
 * @module
 */
import { captureWindows } from '../../shared/capture-text.js'
import type { JournalEvent } from '../../engine/events.js'
import type { Finding } from '../../checks/contract.js'
import type { CapacityResult, CapacityTrial } from '../../shared/capacity.js'
import type { RunResult } from '../../shared/result.js'
import { applyEvents, createRunView, type RunView } from '../../shared/run-view.js'
import { monitorLanes } from '../../shared/monitor-lanes.js'
import { MAX_FINDINGS, MAX_PROBE_ATTEMPTS, bucketLoad, bucketMinMax, capKeeping } from './bounds.js'
import {
  REPORT_DATA_VERSION,
  type ReportCheck,
  type ReportData,
  type ReportFinding,
  type ReportProbe,
} from './data.js'

interface Attempt {
  t: number
  passed: boolean
  phase: string
  message: string
}

export class ReportCollector {
  private readonly view: RunView = createRunView()
  private readonly attempts = new Map<string, Attempt[]>()
  private readonly metrics = new Map<
    string,
    { name: string; t: number[]; v: number[]; failed?: string }
  >()
  private readonly capacity = new Map<
    string,
    { trials: CapacityTrial[]; result?: CapacityResult }
  >()
  private readonly one: JournalEvent[] = []

  /** Takes every event of the journal, in seq order. */
  add(e: JournalEvent): void {
    if (e.seq <= this.view.lastSeq) {
      // Already seen: the run page's reads and live stream may overlap (as the run view's rule).
      return
    }
    switch (e.type) {
      case 'op':
        // The page model only counts them too; skipping the fold keeps a 1M-op journal cheap.
        this.view.lastSeq = e.seq
        this.view.opCount++
        this.view.eventCount++
        return
      case 'probe.attempt':
        listIn(this.attempts, e.probeId).push({
          t: e.t,
          passed: e.passed,
          phase: e.phase,
          message: e.message,
        })
        break
      case 'metric.sample':
        {
          const m = this.metric(e.metricId, e.name)
          m.t.push(e.sample.t)
          m.v.push(e.sample.value)
        }
        break
      case 'metric.failed':
        this.metric(e.metricId, e.name).failed = e.error
        break
      case 'capacity.trial':
        this.capacityOf(e.stepId).trials.push(e.trial)
        break
      case 'capacity.result':
        this.capacityOf(e.stepId).result = e.result
        break
      default:
        break
    }
    this.one[0] = e
    applyEvents(this.view, this.one)
  }

  addAll(events: Iterable<JournalEvent>): this {
    for (const e of events) {
      this.add(e)
    }
    return this
  }

  /** Events taken so far (ops included, repeats not): with a total, how many were left out. */
  get eventCount(): number {
    return this.view.eventCount
  }

  /**
   * Op events read elsewhere and only counted here: the Chaos Center reads a stored journal
   * without them (they are most of it) and counts them in one query.
   */
  countOps(n: number): this {
    this.view.opCount += n
    this.view.eventCount += n
    return this
  }

  /**
   * The report's data; `result` gives the verdict and score (the journal alone has neither).
   * Nothing depends on when it is called, so the CLI and the Chaos Center write the same file.
   */
  finish(result: RunResult): ReportData {
    const v = this.view
    const origin = v.startedAt ?? Date.parse(result.startedAt)
    const end = v.endedAt ?? Date.parse(result.endedAt)
    const rel = (ms: number) => round3((ms - origin) / 1000)
    const stepName = new Map(v.steps.map((s) => [s.id, s.name]))
    const depth = (id: string | undefined): number => {
      let d = 0
      for (let p = v.steps.find((s) => s.id === id)?.parent; p; d++) {
        p = v.steps.find((s) => s.id === p)?.parent
      }
      return d
    }
    const bucketed = bucketLoad(v.load)
    const load = {
      ...bucketed.load,
      time: bucketed.load.time.map((t) => round3(t - origin / 1000)),
    }
    return {
      version: REPORT_DATA_VERSION,
      experiment: result.experiment,
      runId: result.runId,
      hypothesis: result.hypothesis,
      verdict: result.verdict,
      ...(result.reason ? { reason: result.reason } : {}),
      score: result.resilienceScore,
      startedAt: origin,
      duration: rel(end),
      steps: v.steps.map((s) => ({
        name: s.name,
        kind: s.kind,
        path: s.path,
        depth: depth(s.id),
        ...(s.faultType ? { faultType: s.faultType } : {}),
        status: s.status,
        ...(s.startedAt !== undefined ? { start: rel(s.startedAt) } : {}),
        ...(s.endedAt !== undefined ? { end: rel(s.endedAt) } : {}),
        ...(s.error ? { error: s.error } : {}),
      })),
      faults: v.faults.map((f) => ({
        faultType: f.faultType,
        step: stepName.get(f.stepId) ?? f.stepId,
        targets: f.targets,
        start: rel(f.start),
        ...(f.end !== undefined ? { end: rel(f.end) } : {}),
        ...(f.error ? { error: f.error } : {}),
      })),
      load,
      loadBucket: bucketed.k,
      probes: v.probes.map((p) => this.probe(p, stepName, rel)),
      checks: v.checks.map((c) => reportCheck(c)),
      metrics: [...this.metrics.values()].map((m) => {
        const b = bucketMinMax(
          m.t.map((t) => rel(t)),
          m.v
        )
        return {
          name: m.name,
          t: b.t,
          v: b.v,
          samples: m.t.length,
          ...(m.failed ? { failed: m.failed } : {}),
        }
      }),
      capacity: [...this.capacity.entries()].map(([stepId, c]) => ({
        name: c.result?.name ?? stepName.get(stepId) ?? stepId,
        trials: c.trials,
        ...(c.result ? { result: c.result } : {}),
      })),
      ...(result.captures?.length
        ? {
            captures: result.captures.map((c) => ({
              ...c,
              windows: captureWindows(c, result.faults),
            })),
          }
        : {}),
      ...(v.monitors.length > 0
        ? { monitors: monitorLanes(v.monitors, { origin, since: v.readyAt, until: end }) }
        : {}),
      ops: v.opCount,
      events: v.eventCount,
      warnings: v.warnings.map((w) => `${formatRel(rel(w.t))} ${w.message}`),
    }
  }

  private probe(
    p: RunView['probes'][number],
    stepName: Map<string, string>,
    rel: (ms: number) => number
  ): ReportProbe {
    const all = this.attempts.get(p.id) ?? []
    // Failures and changes of outcome are the story; long runs of passes are thinned.
    const kept = capKeeping(
      all,
      MAX_PROBE_ATTEMPTS,
      (a, i) => !a.passed || (i > 0 && all[i - 1]!.passed !== a.passed)
    )
    return {
      name: p.name,
      type: p.type,
      mode: p.mode,
      step: stepName.get(p.stepId) ?? p.stepId,
      verdict: p.verdict,
      message: p.message,
      attempts: kept.map((a) => ({
        t: rel(a.t),
        passed: a.passed,
        phase: a.phase,
        ...(a.passed ? {} : { message: a.message }),
      })),
      omitted: all.length - kept.length,
    }
  }

  private metric(id: string, name: string) {
    let m = this.metrics.get(id)
    if (!m) {
      m = { name, t: [], v: [] }
      this.metrics.set(id, m)
    }
    return m
  }

  private capacityOf(stepId: string) {
    let c = this.capacity.get(stepId)
    if (!c) {
      c = { trials: [] }
      this.capacity.set(stepId, c)
    }
    return c
  }
}

/** Findings' times are ms since the run started already (checks/contract.ts). */
function finding(f: Finding & { count?: number }): ReportFinding {
  return {
    id: f.id,
    at: round3(f.at / 1000),
    ...(f.ackedAt !== undefined ? { acked: round3(f.ackedAt / 1000) } : {}),
    ...(f.count !== undefined ? { count: f.count } : {}),
    window: f.window,
  }
}

function reportCheck(c: RunView['checks'][number]): ReportCheck {
  const r = c.result
  const duplicated = r?.type === 'queue' ? r.duplicated : []
  const byTime = (a: ReportFinding, b: ReportFinding) => a.at - b.at
  return {
    name: c.name,
    type: c.type,
    verdict: c.verdict,
    ...(c.attempted !== undefined ? { attempted: c.attempted } : {}),
    ...(c.error ? { error: c.error } : {}),
    ...(c.message ? { message: c.message } : {}),
    lost: c.lost.slice(0, MAX_FINDINGS).map(finding).sort(byTime),
    lostTotal: c.lost.length,
    duplicated: duplicated.slice(0, MAX_FINDINGS).map(finding).sort(byTime),
    duplicatedTotal: c.duplicated.length,
    duplicatedIds: r?.type === 'set' ? r.duplicated.slice(0, MAX_FINDINGS) : [],
    unexpected: c.unexpected.slice(0, MAX_FINDINGS),
    unexpectedTotal: c.unexpected.length,
  }
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key)
  if (!list) {
    list = []
    map.set(key, list)
  }
  return list
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

function formatRel(s: number): string {
  return `+${s.toFixed(1)} s`
}
