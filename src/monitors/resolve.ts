/**
 * `spec.monitors` input → {@link MonitorSpec}: defaults and durations resolved, nothing else
 * (semantics.ts has already checked every reference).
 * @module
 */
import { parseDuration } from '../shared/duration.js'
import type { MonitorInput, MonitorWhenInput } from './schema.js'
import type { MonitorRule, MonitorSpec } from './spec.js'

const ms = (text: string) => parseDuration(text) ?? 0

export function resolveMonitor(input: MonitorInput, index: number): MonitorSpec {
  const states = Object.entries(input.states)
  const sources = [
    ...(input.observe ?? []),
    ...(input.poll ?? []).map((p) => p.probe),
    ...states.flatMap(([, s]) => (s.when ?? []).flatMap((w) => (w.on === undefined ? [] : [w.on]))),
  ]
  return {
    name: input.name,
    ...(input.description === undefined ? {} : { description: input.description }),
    initial: input.initial,
    sources: [...new Set(sources)],
    poll: (input.poll ?? []).map((p) => ({ probe: p.probe, everyMs: ms(p.every) })),
    states: Object.fromEntries(
      states.map(([name, s]) => [
        name,
        {
          when: (s.when ?? []).map(resolveRule),
          ...(s.within === undefined ? {} : { withinMs: ms(s.within) }),
          ...(s.timeout === undefined ? {} : { timeout: s.timeout }),
          accepting: s.accepting ?? false,
        },
      ])
    ),
    path: `spec.monitors[${index}]`,
  }
}

function resolveRule(w: MonitorWhenInput, i: number): MonitorRule {
  const then: MonitorRule['then'] =
    w.goto !== undefined
      ? {
          kind: 'goto',
          state: w.goto,
          ...(w.within === undefined ? {} : { withinMs: ms(w.within) }),
        }
      : w.fail !== undefined
        ? { kind: 'fail', reason: w.fail }
        : { kind: 'accept', ...(typeof w.accept === 'string' ? { reason: w.accept } : {}) }
  return {
    label: `when[${i}]`,
    ...(w.on === undefined ? {} : { on: w.on }),
    ...(w.passed === undefined ? {} : { passed: w.passed }),
    ...(w.field === undefined ? {} : { field: w.field }),
    ...(w.comparator === undefined ? {} : { comparator: w.comparator }),
    then,
  }
}
