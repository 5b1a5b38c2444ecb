/**
 * What an imperative step of the TypeScript form receives (issue 19 §1):
 * `async ({ fault, note, observe, wait, probe, signal }) => { ... }`. Every fault it injects
 * goes through the same code path as a fault step (ledger first, watchdog deadline, revert in
 * `finally`, journaled and counted in the result): engine/script-step.ts. Types only.
 * @module
 */
import type { FaultInput, ProbeInput } from './schema.js'
import type { TargetSelectorInput } from './schema-parts.js'

/** A fault a script injected: awaited, it has been injected; it holds for its duration. */
export interface FaultHandle {
  /** The fault's id in the journal and the result: `<step id>/fault.<n>`. */
  readonly id: string
  /** Settles when the fault has been reverted (its duration is over, or `revert()`). */
  readonly reverted: Promise<void>
  /** Ends the fault before its duration, then waits for its revert. */
  revert(): Promise<void>
}

/** `'api'` (every replica's candidates, mode one) or a full selector with declared names. */
export type ScriptTarget<S extends string, A extends string> =
  | S
  | (Omit<TargetSelectorInput, 'service' | 'attach'> &
      ({ service: S; attach?: undefined } | { attach: A; service?: undefined }))

type FaultOf<T extends FaultInput['type']> = Extract<FaultInput, { type: T }>
/** Fault types that act on processes: the ones with a `target`. */
export type TargetFaultType = Extract<FaultInput, { target: unknown }>['type']
/** `process-pause` → `processPause`. */
export type Camel<T extends string> = T extends `${infer H}-${infer R}`
  ? `${H}${Capitalize<Camel<R>>}`
  : T

/** `fault.<type>(target, duration, params?)`; methods, so that names stay bivariant. */
type FaultMethods<S extends string, A extends string> = {
  [T in TargetFaultType as Camel<T>]: (
    target: ScriptTarget<S, A>,
    duration: string,
    params?: Omit<FaultOf<T>, 'type' | 'target' | 'duration'>
  ) => Promise<FaultHandle>
}

/** `fault(spec)` for any fault type, and `fault.<type>(...)` for those with a target. */
export type ScriptFaults<S extends string, A extends string> = ((
  spec: FaultInput
) => Promise<FaultHandle>) &
  FaultMethods<S, A> & {
    /** `process-pause` (SIGSTOP, SIGCONT at the end). */
    pause: FaultMethods<S, A>['processPause']
    /** `process-kill`. */
    kill: FaultMethods<S, A>['processKill']
    /** `process-restart`. */
    restart: FaultMethods<S, A>['processRestart']
  }

/** One probe evaluation's outcome (its runProperties apply: attempts, timeout). */
export interface ScriptProbeOutcome {
  passed: boolean
  message: string
}

export interface ScriptContext<S extends string = string, A extends string = string> {
  fault: ScriptFaults<S, A>
  /** A line in the journal, the terminal and the report, under this step. */
  note(text: string): void
  /** A value for the run's monitors (journal event `observation`). */
  observe(name: string, value: string | number | boolean): void
  /** Waits (a duration like `5s`, or ms); rejects when the run is aborted. */
  wait(duration: string | number): Promise<void>
  /** Evaluates a probe once now, e.g. `probe({ name: 'up', type: 'tcp', port: 8080 })`. */
  probe(spec: Omit<ProbeInput, 'mode'> & { mode?: ProbeInput['mode'] }): Promise<ScriptProbeOutcome>
  /** Aborted when the run stops (Ctrl+C, deadline, a failed stop condition). */
  signal: AbortSignal
}

/** An imperative step: an async function of the run's script context. */
export type ScriptFunction<S extends string = string, A extends string = string> = (
  context: ScriptContext<S, A>
) => Promise<void> | void
