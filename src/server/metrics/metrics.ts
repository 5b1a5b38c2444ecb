/**
 * The Prometheus metrics of `GET /metrics`: the process defaults plus what a run tells about
 * resilience (verdicts, scores, which faults are active, which probes pass). A registry of its
 * own, not prom-client's global one, so two servers in one test process never share state.
 * Counters start at 0 with every process, like any exporter; Prometheus handles resets.
 * @module
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { ServerMetrics } from '../context.js'
import type { JournalEvent, RunSummary } from '../../shared/api.js'
import type { PlannedStep } from '../../engine/events.js'

export function createServerMetrics(): ServerMetrics {
  const register = new Registry()
  collectDefaultMetrics({ register })
  const runsTotal = new Counter({
    name: 'ordeal_runs_total',
    help: 'Runs ended, by experiment and verdict.',
    labelNames: ['experiment', 'verdict'] as const,
    registers: [register],
  })
  const score = new Gauge({
    name: 'ordeal_run_resilience_score',
    help: 'Resilience score (0-100, truncated to two decimals as every report shows it) of the last ended run of the experiment.',
    labelNames: ['experiment'] as const,
    registers: [register],
  })
  const faultActive = new Gauge({
    name: 'ordeal_fault_active',
    help: '1 while the fault is injected (between its injection and its revert or the run end). Labelled with the fault step name.',
    labelNames: ['experiment', 'fault'] as const,
    registers: [register],
  })
  const probePassed = new Gauge({
    name: 'ordeal_probe_passed',
    help: "1 if the probe's last attempt or verdict passed, 0 if it failed.",
    labelNames: ['experiment', 'probe'] as const,
    registers: [register],
  })
  const running = new Gauge({
    name: 'ordeal_runs_running',
    help: 'Runs in progress (executed here or being recorded).',
    registers: [register],
  })
  const ingested = new Counter({
    name: 'ordeal_events_ingested_total',
    help: 'Journal events ingested, all runs.',
    registers: [register],
  })

  // Per run, by run id (two runs of one experiment may overlap, e.g. a CLI recording and a
  // UI run). Labels come only from the run's plan (run.started): an editor's recording names
  // its own probes and faults, so taking any id an event carries would let one run grow
  // /metrics without bound. A series lives while a running run of its experiment uses it and
  // is removed when the last such run ends.
  const runs = new Map<string, RunSeries>()
  const faults = new SeriesOwners(faultActive)
  const probes = new SeriesOwners(probePassed)
  const runOf = (runId: string, experiment: string) => {
    let state = runs.get(runId)
    if (!state) {
      state = {
        experiment,
        plan: undefined,
        active: new Set(),
        faults: new Set(),
        probes: new Set(),
      }
      runs.set(runId, state)
      running.inc()
    }
    return state
  }
  const setFault = (runId: string, state: RunSeries, faultId: string, active: boolean) => {
    // Labelled by the step's name (what the manifest and every report call it), never its id.
    const fault = state.plan?.faults.get(faultId)
    if (fault === undefined) {
      return
    }
    if (active) {
      state.active.add(fault)
    } else {
      state.active.delete(fault)
    }
    state.faults.add(fault)
    const { experiment } = state
    faults.use({ experiment, fault }, runId)
    // Shared by the experiment's runs: 1 while any of them holds the fault.
    const held = [...runs.values()].some((r) => r.experiment === experiment && r.active.has(fault))
    faultActive.set({ experiment, fault }, held ? 1 : 0)
  }
  const setProbe = (runId: string, state: RunSeries, probeId: string, passed: boolean) => {
    const probe = state.plan?.probes.get(probeId)
    if (probe === undefined) {
      return
    }
    state.probes.add(probe)
    const labels = { experiment: state.experiment, probe }
    probes.use(labels, runId)
    probePassed.set(labels, passed ? 1 : 0)
  }

  return {
    contentType: register.contentType,
    observe(run, event: JournalEvent) {
      ingested.inc()
      const state = runOf(run.id, run.experiment)
      switch (event.type) {
        case 'run.started':
          // The first plan counts: a second run.started cannot widen it.
          state.plan ??= planOf(event.plan)
          break
        case 'fault.injected':
          setFault(run.id, state, event.faultId, true)
          break
        case 'fault.reverted':
        case 'fault.failed':
          setFault(run.id, state, event.faultId, false)
          break
        case 'probe.attempt':
          setProbe(run.id, state, event.probeId, event.passed === true)
          break
        case 'probe.verdict':
          // N/A (never evaluated) tells nothing about the probe's state: keep the last value.
          if (event.verdict !== 'N/A') {
            setProbe(run.id, state, event.probeId, event.verdict === 'Passed')
          }
          break
        default:
          break
      }
    },
    runEnded(run: RunSummary) {
      const state = runs.get(run.id)
      if (state) {
        runs.delete(run.id)
        running.dec()
        const { experiment } = state
        for (const fault of state.faults) {
          if (!faults.release({ experiment, fault }, run.id)) {
            const held = [...runs.values()].some(
              (r) => r.experiment === experiment && r.active.has(fault)
            )
            faultActive.set({ experiment, fault }, held ? 1 : 0)
          }
        }
        for (const probe of state.probes) {
          probes.release({ experiment, probe }, run.id)
        }
      }
      const experiment = run.experimentName
      if (run.verdict) {
        runsTotal.inc({ experiment, verdict: run.verdict })
      }
      if (run.score !== undefined) {
        score.set({ experiment }, run.score)
      }
    },
    render: () => register.metrics(),
  }
}

/** The most probes and faults one run's plan may label series with. */
export const MAX_PLAN_SERIES = 1000

interface RunSeries {
  experiment: string
  /** From the run's first run.started; until then no fault or probe is labelled. */
  plan: { faults: Map<string, string>; probes: Map<string, string> } | undefined
  /** Faults it holds injected (by name). */
  active: Set<string>
  /** The series it set, removed at its end unless another running run uses them. */
  faults: Set<string>
  probes: Set<string>
}

/** Fault step id → name and probe id → name of a plan, at most MAX_PLAN_SERIES of them. */
function planOf(steps: readonly PlannedStep[] | undefined): NonNullable<RunSeries['plan']> {
  const plan = { faults: new Map<string, string>(), probes: new Map<string, string>() }
  let room = MAX_PLAN_SERIES
  // The route checks a recorded plan's shape; this stays total anyway (a label is never
  // `undefined`, and a malformed plan labels nothing rather than throwing mid-batch).
  for (const step of Array.isArray(steps) ? steps : []) {
    if (
      step.kind === 'fault' &&
      typeof step.id === 'string' &&
      typeof step.name === 'string' &&
      room > 0
    ) {
      plan.faults.set(step.id, step.name)
      room--
    }
    for (const probe of Array.isArray(step.probes) ? step.probes : []) {
      if (typeof probe.id === 'string' && typeof probe.name === 'string' && room > 0) {
        plan.probes.set(probe.id, probe.name)
        room--
      }
    }
  }
  return plan
}

/** Which running runs use each labelled series of a gauge; the last one out removes it. */
class SeriesOwners<L extends string> {
  readonly #owners = new Map<string, Set<string>>()
  constructor(readonly gauge: Gauge<L>) {}

  use(labels: Record<L, string>, runId: string): void {
    const key = JSON.stringify(labels)
    let set = this.#owners.get(key)
    if (!set) {
      set = new Set()
      this.#owners.set(key, set)
    }
    set.add(runId)
  }

  /** True when the series was removed (no running run uses it any more). */
  release(labels: Record<L, string>, runId: string): boolean {
    const key = JSON.stringify(labels)
    const set = this.#owners.get(key)
    set?.delete(runId)
    if (set && set.size > 0) {
      return false
    }
    this.#owners.delete(key)
    this.gauge.remove(labels)
    return true
  }
}
