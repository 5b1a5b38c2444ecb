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
    help: 'Resilience score (0-100) of the last ended run of the experiment.',
    labelNames: ['experiment'] as const,
    registers: [register],
  })
  const faultActive = new Gauge({
    name: 'ordeal_fault_active',
    help: '1 while the fault is injected (between fault.injected and its revert or the run end).',
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
  // UI run): the faults it holds active and its probes' names (probe.attempt carries only the
  // id). A fault's gauge is shared by the experiment's runs, so it reads 1 while any holds it.
  const runs = new Map<string, { faults: Set<string>; probes: Map<string, string> }>()
  const holders = new Map<string, Set<string>>()
  const runOf = (runId: string) => {
    let state = runs.get(runId)
    if (!state) {
      state = { faults: new Set(), probes: new Map() }
      runs.set(runId, state)
      running.inc()
    }
    return state
  }
  const hold = (experiment: string, fault: string, runId: string, active: boolean) => {
    const key = JSON.stringify([experiment, fault])
    let set = holders.get(key)
    if (active) {
      set ??= new Set()
      set.add(runId)
      holders.set(key, set)
    } else if (set) {
      set.delete(runId)
      if (set.size === 0) {
        holders.delete(key)
      }
    }
    faultActive.set({ experiment, fault }, holders.has(key) ? 1 : 0)
  }

  return {
    contentType: register.contentType,
    observe(run, event: JournalEvent) {
      ingested.inc()
      const { experiment } = run
      const state = runOf(run.id)
      switch (event.type) {
        case 'run.started':
          for (const step of event.plan) {
            for (const p of step.probes) {
              state.probes.set(p.id, p.name)
            }
          }
          break
        case 'fault.injected':
          state.faults.add(event.faultId)
          hold(experiment, event.faultId, run.id, true)
          break
        case 'fault.reverted':
        case 'fault.failed':
          state.faults.delete(event.faultId)
          hold(experiment, event.faultId, run.id, false)
          break
        case 'probe.attempt': {
          const probe = state.probes.get(event.probeId) ?? event.probeId
          probePassed.set({ experiment, probe }, event.passed ? 1 : 0)
          break
        }
        case 'probe.verdict':
          // N/A (never evaluated) tells nothing about the probe's state: keep the last value.
          if (event.verdict !== 'N/A') {
            probePassed.set({ experiment, probe: event.name }, event.verdict === 'Passed' ? 1 : 0)
          }
          break
        default:
          break
      }
    },
    runEnded(run: RunSummary) {
      const experiment = run.experimentName
      const state = runs.get(run.id)
      if (state) {
        for (const fault of state.faults) {
          hold(experiment, fault, run.id, false)
        }
        runs.delete(run.id)
        running.dec()
      }
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
