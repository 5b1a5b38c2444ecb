/**
 * The monitor contract: a definition starts instances; an instance is fed observations and the
 * time, and ends accepted or failed. Pure: time is whatever the caller says it is (an injected
 * clock), so timeouts are tested without waiting and a run replays from its journal.
 * @module
 */

/** What made a transition happen. */
export type Trigger = 'observation' | 'timeout' | 'end'

/** One recorded transition: every change of state and every stop is one. */
export interface TransitionRecord {
  /** The monitor that moved; a part of a composite is `parent/part`. */
  monitor: string
  from: string
  /** A state, or `accept` / `fail` when the monitor stopped. */
  to: string
  trigger: Trigger
  /** Time of the transition (ms since the epoch in a run; whatever the clock says in tests). */
  at: number
  /** The observation, described in one line (trigger `observation`). */
  observation?: string
  /** Which rule of the state decided: its label, or `when[1]`. */
  rule?: string
  /** Why, for a stop. */
  reason?: string
}

export interface MonitorVerdict {
  verdict: 'accept' | 'fail'
  reason: string
  at: number
  /** The transition that stopped the monitor (for a composite, the part's). */
  transition: TransitionRecord
}

export interface MonitorInstance<O> {
  readonly name: string
  /** The current state (a composite: its parts' states, `a=up b=down`). */
  readonly state: string
  readonly verdict: MonitorVerdict | undefined
  /** Every transition so far, in order, including a composite's parts'. */
  readonly transitions: readonly TransitionRecord[]
  /** Feeds an observation made at `at`; timeouts due by then fire first. No-op once final. */
  observe(observation: O, at: number): void
  /** The clock moved to `at`: fires the timeouts due by then (each at its own deadline). */
  advance(at: number): void
  /** The steps are over: an unfinished monitor ends by its state's rule (docs/monitors.md). */
  finish(at: number): void
  /** When a timeout is next due, if one is; the driver's timer wakes up then. */
  nextDeadline(): number | undefined
}

export interface StartOptions {
  /** Called at each transition as it happens (the run journals it). */
  onTransition?: (record: TransitionRecord) => void
  /** Names of a composite's parts are prefixed with it. */
  prefix?: string
}

export interface MonitorDef<O> {
  readonly name: string
  /** Its states, for plans and the UI's lane (a composite: its parts' names). */
  readonly states: readonly string[]
  /** The state it starts in (a composite: none of its own). */
  readonly initial?: string
  start(at: number, options?: StartOptions): MonitorInstance<O>
}
