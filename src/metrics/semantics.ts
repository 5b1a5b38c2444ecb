/**
 * What the schema cannot see about `spec.metrics` and the checks over them: unique metric
 * names, a check's `metric:` naming a declared metric and its `fault:` a fault step.
 * @module
 */
import type { ExperimentInput, StepInputType } from '../experiment/schema.js'
import type { SemanticIssue } from '../experiment/semantics.js'
import { didYouMean } from '../experiment/did-you-mean.js'
import { stepNames } from '../experiment/step-names.js'
import { parseDuration } from '../shared/duration.js'
import { ratioOf } from '../checks/metric-schema.js'

export function metricIssues(input: ExperimentInput): SemanticIssue[] {
  const issues: SemanticIssue[] = []
  const metrics = input.spec.metrics ?? []
  const names = new Set<string>()
  metrics.forEach((m, i) => {
    if (names.has(m.name)) {
      issues.push({
        path: ['spec', 'metrics', i, 'name'],
        message: `duplicate metric name '${m.name}'`,
      })
    }
    names.add(m.name)
    if (m.interval !== undefined && (parseDuration(m.interval) ?? 0) <= 0) {
      issues.push({ path: ['spec', 'metrics', i, 'interval'], message: 'must be longer than 0s' })
    }
  })
  const faults = faultStepNames(input.spec.steps)
  input.spec.checks?.forEach((check, i) => {
    if (check.type !== 'backlog' && check.type !== 'recovery') {
      return
    }
    const at = ['spec', 'checks', i]
    if (!names.has(check.metric)) {
      issues.push({
        path: [...at, 'metric'],
        message: `no metric named '${check.metric}' in spec.metrics${didYouMean(check.metric, [...names])}`,
      })
    }
    if (check.fault !== undefined && !faults.includes(check.fault)) {
      issues.push({
        path: [...at, 'fault'],
        message: `no fault step named '${check.fault}'${didYouMean(check.fault, faults)}${faults.length ? '' : ' (the run has no fault step)'}`,
      })
    }
    if (check.fault === undefined && faults.length === 0) {
      issues.push({ path: at, message: `a ${check.type} check needs a fault step to count from` })
    }
    if (check.type === 'recovery') {
      const ratio = ratioOf(check.atLeast)
      if (ratio === undefined || ratio <= 0) {
        issues.push({ path: [...at, 'atLeast'], message: 'must be more than 0%' })
      }
    }
  })
  return issues
}

/** The names of the fault steps, as reports show them (explicit or generated). */
function faultStepNames(steps: readonly StepInputType[]): string[] {
  const names = stepNames(steps)
  const found: string[] = []
  const visit = (step: StepInputType, id: string) => {
    if (step.fault) {
      const name = names.get(id)
      if (name !== undefined) {
        found.push(name)
      }
    }
    ;(step.serial ?? step.parallel ?? []).forEach((c, i) => visit(c, `${id}.${i}`))
  }
  steps.forEach((s, i) => visit(s, `run.${i}`))
  return found
}
