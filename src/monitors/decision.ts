/**
 * What a monitor's transition decides on an observation (the seed's `Goto`, `Stop(Accept())`,
 * `Stop(Fail())`): go to a state (with a state timeout), stay, or stop with a verdict.
 * @module
 */
import { parseDuration } from '../shared/duration.js'

export type Decision<S extends string = string> =
  | { kind: 'goto'; state: S; timeoutMs?: number }
  | { kind: 'stay' }
  | { kind: 'accept'; reason?: string }
  | { kind: 'fail'; reason: string }

/**
 * Go to `state`. With a `timeout` (`'3s'` or ms), the state's `timeout` rule fires when no
 * transition leaves the state within that time (the seed's `Goto(true, 3.seconds)`).
 */
export function goto<S extends string>(state: S, timeout?: string | number): Decision<S> {
  return timeout === undefined
    ? { kind: 'goto', state }
    : { kind: 'goto', state, timeoutMs: toMs(timeout) }
}

/** No transition: the state and its running timeout are kept. */
export function stay(): Decision<never> {
  return { kind: 'stay' }
}

/** Stop: the monitor holds. Final: nothing moves it again. */
export function accept(reason?: string): Decision<never> {
  return reason === undefined ? { kind: 'accept' } : { kind: 'accept', reason }
}

/** Stop: the monitor failed, with why. Final, and it fails the run. */
export function fail(reason: string): Decision<never> {
  return { kind: 'fail', reason }
}

/** A duration as `'3s'` / `'500ms'` or milliseconds; more than 0 (a 0 timeout could loop). */
export function toMs(value: string | number): number {
  const ms = typeof value === 'number' ? value : parseDuration(value)
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new Error(
      `a monitor timeout must be a duration longer than 0, got ${JSON.stringify(value)}`
    )
  }
  return ms
}
