/**
 * What the schema cannot see about `spec.monitors`: unique names, states that exist, probes
 * that are declared, event types a monitor can observe, and conditions that fit what they are
 * about (`passed` on a probe, a `field` on an event). Each issue names its field (exit 2).
 * @module
 */
import type { ExperimentInput, StepInputType } from '../experiment/schema.js'
import type { SemanticIssue } from '../experiment/semantics.js'
import { didYouMean } from '../experiment/did-you-mean.js'
import { OBSERVABLE_EVENTS } from './observation.js'

const kVerdicts = ['accept', 'fail']

export function monitorIssues(input: ExperimentInput): SemanticIssue[] {
  const monitors = input.spec.monitors ?? []
  if (monitors.length === 0) {
    return []
  }
  const issues: SemanticIssue[] = []
  if ((input.spec.system?.agents?.length ?? 0) > 0) {
    issues.push({
      path: ['spec', 'monitors'],
      message: 'is not supported in a multi-host experiment (spec.system.agents) yet',
    })
  }
  const probes = probeNames(input)
  const events: readonly string[] = OBSERVABLE_EVENTS
  const sourceIssue = (name: string): string | undefined =>
    probes.includes(name) || events.includes(name)
      ? undefined
      : `no probe or observable event named '${name}'${didYouMean(name, [...probes, ...events])}; probes: ${probes.join(', ') || 'none'}; events: ${events.join(', ')}`
  const seen = new Set<string>()
  monitors.forEach((m, i) => {
    const at = ['spec', 'monitors', i]
    if (seen.has(m.name)) {
      issues.push({ path: [...at, 'name'], message: `duplicate monitor name '${m.name}'` })
    }
    seen.add(m.name)
    const states = Object.keys(m.states)
    const stateIssue = (name: string, verdicts: boolean): string | undefined =>
      states.includes(name) || (verdicts && kVerdicts.includes(name))
        ? undefined
        : `no state '${name}' in monitor ${m.name}${didYouMean(name, verdicts ? [...kVerdicts, ...states] : states)}; states: ${states.join(', ') || 'none'}`
    if (states.length === 0) {
      issues.push({ path: [...at, 'states'], message: 'needs at least one state' })
    }
    for (const reserved of states.filter((s) => kVerdicts.includes(s))) {
      issues.push({
        path: [...at, 'states', reserved],
        message: `'${reserved}' is a verdict, not a state name (timeout: ${reserved} ends the monitor)`,
      })
    }
    const initial = stateIssue(m.initial, false)
    if (initial) {
      issues.push({ path: [...at, 'initial'], message: initial })
    }
    m.observe?.forEach((name, j) => {
      const issue = sourceIssue(name)
      if (issue) {
        issues.push({ path: [...at, 'observe', j], message: issue })
      }
    })
    m.poll?.forEach((p, j) => {
      if (!probes.includes(p.probe)) {
        issues.push({
          path: [...at, 'poll', j, 'probe'],
          message: `no probe named '${p.probe}' in spec.probes or a step${didYouMean(p.probe, probes)}`,
        })
      }
      if (/^0+(\.0+)?(ms|s|m|h)$/.test(p.every)) {
        issues.push({ path: [...at, 'poll', j, 'every'], message: 'must be longer than 0s' })
      }
    })
    for (const [name, state] of Object.entries(m.states)) {
      const sp = [...at, 'states', name]
      if (state.timeout !== undefined) {
        const issue = stateIssue(state.timeout, true)
        if (issue) {
          issues.push({ path: [...sp, 'timeout'], message: issue })
        }
      }
      state.when?.forEach((w, j) => {
        const wp = [...sp, 'when', j]
        if (w.goto !== undefined) {
          const issue = stateIssue(w.goto, false)
          if (issue) {
            issues.push({ path: [...wp, 'goto'], message: issue })
          }
        }
        if (w.on === undefined) {
          if (!m.observe?.length && !m.poll?.length) {
            issues.push({
              path: wp,
              message:
                "needs 'on' (a probe or event type) when the monitor has no 'observe' or 'poll'",
            })
          }
          return
        }
        const issue = sourceIssue(w.on)
        if (issue) {
          issues.push({ path: [...wp, 'on'], message: issue })
          return
        }
        const isEvent = events.includes(w.on) && !probes.includes(w.on)
        if (isEvent && w.passed !== undefined) {
          issues.push({
            path: [...wp, 'passed'],
            message: `is about probes; '${w.on}' is an event (compare one of its fields with 'field' and 'comparator')`,
          })
        }
        if (isEvent && w.comparator !== undefined && w.field === undefined) {
          issues.push({
            path: [...wp, 'field'],
            message: `is required to compare an event: which field of '${w.on}' (e.g. faultType, service)`,
          })
        }
        if (!isEvent && w.field !== undefined && w.field !== 'value' && w.field !== 'message') {
          issues.push({
            path: [...wp, 'field'],
            message: `must be 'value' or 'message' for a probe`,
          })
        }
      })
    }
  })
  return issues
}

/** Every probe name of the manifest: spec.probes and each step's, at any depth. */
function probeNames(input: ExperimentInput): string[] {
  const names = (input.spec.probes ?? []).map((p) => p.name)
  const visit = (step: StepInputType) => {
    names.push(...(step.probes ?? []).map((p) => p.name))
    for (const child of [...(step.serial ?? []), ...(step.parallel ?? [])]) {
      visit(child)
    }
  }
  input.spec.steps.forEach(visit)
  return [...new Set(names)]
}
