/**
 * The Chaos Toolkit (CTK) experiment as ordeal holds it after parsing: the raw document is
 * kept (the CTK journal copies it, and chaoslib's own objects are plain dicts), with typed
 * views of the parts the executor reads. Semantics: shared/reference/chaostoolkit-format.md.
 * @module
 */

/** A CTK object as written: activities, providers and tolerances stay plain JSON. */
export type CtkObject = Record<string, unknown>

export type CtkProviderType = 'http' | 'process' | 'python'

/** One activity, after `ref` stubs are resolved (the journal records the resolved copy). */
export interface CtkActivity extends CtkObject {
  type: 'probe' | 'action'
  name: string
  provider: CtkObject & { type: CtkProviderType }
  tolerance?: unknown
  pauses?: { before?: number | string; after?: number | string }
  background?: boolean
}

/** A method or rollback entry: a full activity or `{ ref: name }`. */
export type CtkEntry = CtkActivity | { ref: string }

export type RollbackStrategy = 'default' | 'always' | 'never' | 'deviated'
export const ROLLBACK_STRATEGIES: readonly RollbackStrategy[] = [
  'default',
  'always',
  'never',
  'deviated',
]

/** The hypothesis strategies ordeal runs; the continuous ones are refused at parse time. */
export type HypothesisStrategy = 'default' | 'before-method-only' | 'after-method-only' | 'skip'

export interface CtkExperiment {
  /** The file it came from, for messages. */
  file: string
  /** The document as parsed (YAML 1.1 or JSON), copied into the journal. */
  raw: CtkObject
  title: string
  hypothesis?: { title: string; probes: CtkEntry[] }
  method: CtkEntry[]
  rollbacks: CtkEntry[]
  /** `runtime.rollbacks.strategy`, when the experiment sets one. */
  rollbackStrategy?: RollbackStrategy
  hypothesisStrategy: HypothesisStrategy
  /** Activities by name: method activities and hypothesis probes (a probe wins a clash). */
  byName: Map<string, CtkActivity>
  /** Said once before the run: ignored `controls`, and the like. */
  warnings: string[]
}

/** What chaoslib calls a run: one activity's record in the journal, keys in its order. */
export interface CtkRun {
  activity: CtkActivity
  output: unknown
  start: string
  status?: 'succeeded' | 'failed'
  exception?: string[]
  end?: string
  duration?: number
  tolerance_met?: boolean
}

export interface CtkState {
  steady_state_met: boolean | null
  probes: CtkRun[]
}

export type CtkStatus = 'completed' | 'failed' | 'aborted' | 'interrupted'

/** The run's outcome in chaoslib's journal shape (journal.ts adds the header fields). */
export interface CtkOutcome {
  status: CtkStatus
  deviated: boolean
  steadyStates: { before: CtkState | null; after: CtkState | null; during: CtkState[] }
  run: CtkRun[]
  rollbacks: CtkRun[]
  start: Date
  end: Date
}

/** Configuration and secrets as loaded: what `${name}` substitution looks up. */
export interface CtkValues {
  configuration: Record<string, unknown>
  /** Secret scopes in declaration order, each a flat map of keys. */
  secrets: Record<string, Record<string, unknown>>
}

/** A provider's own failure (chaoslib's ActivityFailed): the activity fails, the run goes on. */
export class ActivityFailed extends Error {
  override readonly name = 'ActivityFailed'
}
