/**
 * The static plan of a run: every step with its id, weight, probes and planned offsets, as
 * `--dry-run` prints it and as `run.started` records it.
 * @module
 */
import type { Experiment, Step } from '../experiment/model.js'
import type { PlannedStep } from './events.js'
import { maxCapacityMs } from '../capacity/plan.js'

export function planSteps(experiment: Experiment): PlannedStep[] {
  const out: PlannedStep[] = []
  visit(experiment.root, 0, undefined)
  return out

  function visit(step: Step, startMs: number, parent: string | undefined): number {
    const entry: PlannedStep = {
      id: step.id,
      name: step.name,
      kind: step.kind,
      path: step.path,
      weight: step.weight,
      scored:
        step.kind === 'fault' ||
        step.kind === 'capacity' ||
        step.kind === 'script' ||
        step.probes.length > 0 ||
        (step.kind === 'load' && step.load.thresholds.length > 0) ||
        experiment.checks.some((c) => (c.loadStepId ?? 'run') === step.id) ||
        (step.id === 'run' && hasMonitors(experiment)),
      ...(step.kind === 'fault' ? { faultType: step.fault.type } : {}),
      ...(step.kind === 'capacity' && step.capacity.fault
        ? { faultType: step.capacity.fault.type }
        : {}),
      ...(step.kind === 'load' && step.load.thresholds.length > 0
        ? {
            thresholds: step.load.thresholds.map((t) => ({
              metric: t.metric,
              expression: t.expression,
            })),
          }
        : {}),
      probes: step.probes.map((p) => ({ id: p.id, name: p.name, type: p.type, mode: p.mode })),
      plannedStartMs: startMs,
      plannedDurationMs: 0,
      ...(parent === undefined ? {} : { parent }),
    }
    out.push(entry)
    let length = 0
    switch (step.kind) {
      case 'fault':
        // A drawn `after` (5s..15s) plans at its high end: later steps start no later.
        length = (step.fault.afterRange?.maxMs ?? step.fault.afterMs) + step.fault.durationMs
        break
      case 'wait':
        length = step.ms
        break
      case 'script':
        // Unknown until it runs: later steps are planned as if it took no time.
        break
      case 'load':
        length = step.load.durationMs
        break
      case 'capacity':
        // An upper bound: the search usually ends well before.
        length = maxCapacityMs(step.capacity)
        break
      case 'serial':
        for (const child of step.children) {
          length += visit(child, startMs + length, step.id)
        }
        break
      case 'parallel':
        for (const child of step.children) {
          length = Math.max(length, visit(child, startMs, step.id))
        }
        break
    }
    entry.plannedDurationMs = length
    return length
  }
}

/** YAML or code monitors: either makes the root step a scored one (its monitors' verdicts). */
export function hasMonitors(experiment: Experiment): boolean {
  return (experiment.monitors?.length ?? 0) + (experiment.codeMonitors?.length ?? 0) > 0
}
