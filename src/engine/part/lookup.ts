/**
 * The manifest's steps and probes by id, for a part's commands: every part loads the whole
 * manifest, so the coordinator's ids name the same things here.
 * @module
 */
import { walkSteps, type Experiment, type Probe, type Step } from '../../experiment/model.js'

export function findStep<K extends Step['kind']>(
  experiment: Experiment,
  stepId: string,
  kind: K
): Extract<Step, { kind: K }> {
  for (const step of walkSteps(experiment.root)) {
    if (step.id === stepId) {
      if (step.kind !== kind) {
        throw new Error(`step ${stepId} is a ${step.kind} step, not a ${kind} step`)
      }
      return step as Extract<Step, { kind: K }>
    }
  }
  throw new Error(`no step ${stepId} in the manifest`)
}

export function findProbe(experiment: Experiment, probeId: string): Probe {
  for (const step of walkSteps(experiment.root)) {
    const probe = step.probes.find((p) => p.id === probeId)
    if (probe) {
      return probe
    }
  }
  throw new Error(`no probe ${probeId} in the manifest`)
}
