/**
 * History checkers: pure functions over what the load recorded and what the system delivered.
 * The engine gathers the inputs (history from the journal, delivered ids from a source, fault
 * windows) and records the result; checkers never do I/O.
 * @module
 */
import type { HistoryOp } from '../load/contract.js'

/** A fault's active window, to place each finding relative to the faults. */
export interface FaultWindow {
  /** The journal's id of the fault (its step id); for machines only, never shown. */
  faultId: string
  type: string
  /** The fault step's name, as every report shows it; the type when not known. */
  name?: string
  /** ms since the epoch */
  start: number
  /** ms since the epoch; undefined if never reverted */
  end?: number
}

/** Where an operation happened relative to the faults: before, during or after one. */
export interface Finding {
  id: string
  /** The operation's invoke time, ms since the run started. */
  at: number
  /**
   * Lost operations: when the system acknowledged it, ms since the run started. For a set
   * element, when it was known: the earlier of its acknowledgement and the first read showing it.
   */
  ackedAt?: number
  /**
   * Where `ackedAt` (else `at`) falls: `during "process-kill of api" (+6.0 s..+9.0 s)`,
   * `before "process-kill of api" at +6.4 s`, `after "…" (+6.0 s..+9.0 s)`, both of these
   * (`after "…" (…), before "…" at …`), or `with no fault in the run`.
   */
  window: string
}

export interface QueueCheckResult {
  type: 'queue'
  valid: boolean
  attempted: number
  acknowledged: number
  delivered: number
  /** Acknowledged (ok) but never delivered. */
  lost: Finding[]
  /** Delivered more than once: id and how many times. */
  duplicated: (Finding & { count: number })[]
  /** Delivered but never attempted. */
  unexpected: string[]
  /** Delivered although the outcome was fail/info (not acknowledged). */
  recovered: Finding[]
  duplicatesPolicy: 'allow' | 'fail'
  /**
   * Acknowledged ops that carried no id (the load has no `id`/`capture`, or capture found
   * nothing): they cannot be matched with deliveries, so they are counted here, not as lost.
   */
  unidentified?: number
}

export interface Quantiles {
  '0': number
  '0.5': number
  '0.95': number
  '0.99': number
  '1': number
}

export interface SetCheckResult {
  type: 'set'
  valid: boolean | 'unknown'
  attempted: number
  stable: number
  lost: Finding[]
  neverRead: Finding[]
  duplicated: string[]
  /** ms from known to stable, and from known to lost. */
  stableLatencies: Quantiles | null
  lostLatencies: Quantiles | null
}

/** A read of the set during the run. */
export interface SetRead {
  /** When the read began and completed, ms since the epoch. */
  invoke: number
  complete: number
  /** Any iterable: read once, in order (a benchmark generates millions without an array). */
  values: Iterable<string>
}

/**
 * Checker inputs are iterables read once, in order: a journal's op events can be streamed to
 * the checker (the engine's in-memory journal, an NDJSON file) without a second copy.
 */
export interface QueueCheckInput {
  history: Iterable<HistoryOp>
  delivered: Iterable<string>
  faults: FaultWindow[]
  runStartedAt: number
  duplicates: 'allow' | 'fail'
}

export interface SetCheckInput {
  history: Iterable<HistoryOp>
  reads: Iterable<SetRead>
  faults: FaultWindow[]
  runStartedAt: number
}
