/**
 * A resolved YAML monitor ({@link MonitorSpec}) as a {@link MonitorDef}: the same machine the
 * TypeScript form builds, its conditions turned into guards over {@link Observation}s.
 * @module
 */
import { compare } from '../probes/comparator.js'
import type { MonitorDef } from './contract.js'
import { accept, fail, goto, type Decision } from './decision.js'
import { monitor, when, type StateSpec } from './machine.js'
import { describeObservation, fieldOf, type Observation } from './observation.js'
import type { MonitorRule, MonitorSpec } from './spec.js'

export function compileMonitor(spec: MonitorSpec): MonitorDef<Observation> {
  const sources = new Set(spec.sources)
  const states: Record<string, StateSpec<string, Observation>> = {}
  for (const [name, s] of Object.entries(spec.states)) {
    states[name] = {
      on: s.when.map((rule) =>
        when((o: Observation) => matches(rule, o), decisionOf(rule.then), rule.label)
      ),
      ...(s.withinMs === undefined ? {} : { within: s.withinMs }),
      ...(timeoutRule(s.timeout) === undefined ? {} : { timeout: timeoutRule(s.timeout)! }),
      accepting: s.accepting,
    }
  }
  // Only what it observes reaches it: a rule without `on` matches any of its sources.
  return monitor<string, Observation>(spec.name, spec.initial, states, {
    describe: describeObservation,
    sees: (o) => sources.has(o.name),
  })
}

/** Every condition given must hold; one that cannot be read (no such field) does not. */
export function matches(rule: MonitorRule, o: Observation): boolean {
  if (rule.on !== undefined && rule.on !== o.name) {
    return false
  }
  if (rule.passed !== undefined && (o.kind !== 'probe' || o.passed !== rule.passed)) {
    return false
  }
  if (rule.comparator !== undefined) {
    const actual = fieldOf(o, rule.field)
    return actual !== undefined && compare(rule.comparator, actual).passed
  }
  return true
}

function decisionOf(then: MonitorRule['then']): Decision {
  return then.kind === 'goto'
    ? goto(then.state, then.withinMs)
    : then.kind === 'fail'
      ? fail(then.reason)
      : accept(then.reason)
}

/** `fail` is no rule: the machine's own failure then says which state timed out after how long. */
function timeoutRule(rule: string | undefined): Decision | undefined {
  return rule === undefined || rule === 'fail'
    ? undefined
    : rule === 'accept'
      ? accept()
      : goto(rule)
}
