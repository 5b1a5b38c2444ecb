/**
 * A YAML monitor resolved for the run (durations in ms, rules numbered), kept in the model:
 * plain data, so that the plan, a dry run and the UI can show it.
 * @module
 */
import type { ComparatorInput } from '../experiment/schema-parts.js'

export interface MonitorSpec {
  name: string
  description?: string
  initial: string
  /** Probe names and event types it sees (observe + poll + every `on`), in that order. */
  sources: string[]
  poll: { probe: string; everyMs: number }[]
  states: Record<string, MonitorStateSpec>
  /** `spec.monitors[0]`, for messages. */
  path: string
}

export interface MonitorStateSpec {
  when: MonitorRule[]
  withinMs?: number
  /** `accept`, `fail` or a state. */
  timeout?: string
  accepting: boolean
}

export interface MonitorRule {
  /** `when[0]`: how a transition record names the rule that decided. */
  label: string
  on?: string
  passed?: boolean
  field?: string
  comparator?: ComparatorInput
  then:
    | { kind: 'goto'; state: string; withinMs?: number }
    | { kind: 'accept'; reason?: string }
    | { kind: 'fail'; reason: string }
}
