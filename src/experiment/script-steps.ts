/**
 * Script steps through the one validator and resolver (issue 19 §1): a function cannot pass
 * the manifest schema, so each is set aside, its place held by a `wait: 0s` step carrying its
 * name, probes and weight (validated as any step's), and put back into the resolved model as a
 * `script` step at the same path. The YAML path never sees a function.
 * @module
 */
import type { ExperimentInput, StepInputType } from './schema.js'
import type { Experiment, Step } from './model.js'
import type { ScriptFunction } from './script-types.js'
import { stepNumber } from './step-names.js'

interface SetAside {
  fn: ScriptFunction
  /** Written by the author: kept as is; otherwise the step is called `script`. */
  named: boolean
}

/** Replaces every script step by its placeholder; returns them by manifest path. */
export function setScriptsAside(experiment: unknown): {
  input: ExperimentInput
  scripts: Map<string, SetAside>
} {
  const scripts = new Map<string, SetAside>()
  const spec = (experiment as { spec?: { steps?: unknown } } | null)?.spec
  if (!spec || !Array.isArray(spec.steps)) {
    return { input: experiment as ExperimentInput, scripts }
  }
  const visit = (step: unknown, at: string): unknown => {
    if (typeof step === 'function') {
      scripts.set(at, { fn: step as ScriptFunction, named: false })
      return { wait: '0s' }
    }
    if (step === null || typeof step !== 'object') {
      return step
    }
    const s = step as Record<string, unknown>
    if (typeof s['run'] === 'function') {
      const { run, ...rest } = s
      scripts.set(at, { fn: run as ScriptFunction, named: rest['name'] !== undefined })
      return { ...rest, wait: '0s' }
    }
    const out = { ...s }
    for (const group of ['serial', 'parallel'] as const) {
      if (Array.isArray(s[group])) {
        out[group] = (s[group] as unknown[]).map((c, i) => visit(c, `${at}.${group}[${i}]`))
      }
    }
    return out
  }
  const steps = spec.steps.map((s: unknown, i: number) => visit(s, `spec.steps[${i}]`))
  if (scripts.size === 0) {
    return { input: experiment as ExperimentInput, scripts }
  }
  const input = {
    ...(experiment as ExperimentInput),
    spec: { ...(spec as ExperimentInput['spec']), steps: steps as StepInputType[] },
  }
  return { input, scripts }
}

/** Puts the scripts back as `script` steps, at the paths their placeholders resolved to. */
export function attachScripts(experiment: Experiment, scripts: Map<string, SetAside>): Experiment {
  if (scripts.size === 0) {
    return experiment
  }
  const unnamed = [...scripts.values()].filter((s) => !s.named).length
  const swap = (step: Step): Step => {
    const script = scripts.get(step.path)
    if (script) {
      const { id, path, weight, probes } = step
      const name = script.named
        ? step.name
        : unnamed === 1
          ? 'script'
          : `script (step ${stepNumber(id)})`
      return { id, name, path, weight, probes, kind: 'script', script: script.fn }
    }
    if (step.kind === 'serial' || step.kind === 'parallel') {
      return { ...step, children: step.children.map(swap) }
    }
    return step
  }
  return { ...experiment, root: swap(experiment.root) }
}
