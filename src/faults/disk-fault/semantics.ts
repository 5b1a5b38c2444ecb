/**
 * disk-fault checks that need the whole manifest: its power loss names a service ordeal
 * launched (an attached process cannot be started again), and it runs where ordeal mounts:
 * on this machine, for the run's own services (not on agents, nor in a Kubernetes system). Pure
 * (the UI bundles it); the directory's existence is checked by `ordeal run` (src/disk).
 * @module
 */
import { didYouMean } from '../../experiment/did-you-mean.js'
import type { SemanticIssue } from '../../experiment/semantics.js'
import type { ExperimentInput, StepInputType } from '../../experiment/schema.js'

export function diskFaultIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const system = input.spec.system
  const services = (system?.services ?? []).map((s) => s.name)
  const visit = (step: StepInputType, at: (string | number)[]) => {
    const fault = step.fault ?? (step.capacity?.fault as StepInputType['fault'])
    const fp = [...at, ...(step.capacity?.fault ? ['capacity'] : []), 'fault']
    if (fault?.type === 'disk-fault') {
      if ((system?.agents?.length ?? 0) > 0) {
        issues.push({
          path: [...fp, 'type'],
          message:
            'disk-fault mounts on the machine of the run, which a multi-host experiment (spec.system.agents) does not support yet: run it on one agent (ordeal run --agent NAME) or locally',
        })
      }
      if (system?.kubernetes !== undefined) {
        issues.push({
          path: [...fp, 'type'],
          message:
            'disk-fault acts on a directory of a service ordeal launches on this machine, not inside pods (spec.system.kubernetes)',
        })
      }
      const target = fault.powerLoss?.target
      if (target?.attach !== undefined) {
        issues.push({
          path: [...fp, 'powerLoss', 'target', 'attach'],
          message:
            'a power loss needs a service ordeal launched (it starts it again); an attached process cannot be',
        })
      }
      if (target?.service !== undefined && !services.includes(target.service)) {
        issues.push({
          path: [...fp, 'powerLoss', 'target', 'service'],
          message: `no service named '${target.service}' in spec.system.services${didYouMean(target.service, services)}`,
        })
      }
    }
    step.serial?.forEach((c, i) => visit(c, [...at, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...at, 'parallel', i]))
  }
  input.spec.steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  return issues
}
