/**
 * What failed in one step of a result, in a line: the test case of that step in the test
 * runner's JUnit output says it. Pure; the same words as the run's reasons.
 * @module
 */
import type { RunResult } from '../engine/result.js'

type StepResult = RunResult['steps'][number]

/** Why the step did not hold, or undefined when it did. */
export function stepFailure(step: StepResult, result: RunResult): string | undefined {
  if (step.status === 'not-run') {
    return 'not run (the run stopped before it)'
  }
  if (step.status !== 'ok') {
    return step.error ?? `step ${step.status}`
  }
  const probes = result.probes.filter((p) => p.stepId === step.id && p.verdict === 'Failed')
  if (probes.length > 0) {
    return probes.map((p) => `probe ${p.name} (${p.mode}) failed: ${p.message}`).join('; ')
  }
  const faults = result.faults.filter((f) => f.stepId === step.id && f.error !== undefined)
  if (faults.length > 0) {
    return faults.map((f) => `fault ${f.type}: ${f.error}`).join('; ')
  }
  return undefined
}
