/**
 * The clock-skew fault's arithmetic, pure: signed offsets ("-90s", "+2h"), the jump schedule,
 * and the line written into libfaketime's timestamp file. No schema imports Node from here.
 * @module
 */
import { DURATION_PATTERN, parseDuration } from '../../shared/duration.js'

/** A signed duration: `-90s`, `+2h`, `1m30s` (no sign: forward). */
export const OFFSET_PATTERN = `^[+-]?${DURATION_PATTERN.slice(1)}`

/** Milliseconds, negative for a clock set back; undefined when `text` is not an offset. */
export function parseOffset(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1
  const ms = parseDuration(text.replace(/^[+-]/, ''))
  return ms === undefined ? undefined : sign * ms
}

export interface Jump {
  /** When, after the fault is injected (ms). */
  atMs: number
  /** How far the clock steps, forward or back (ms). */
  byMs: number
}

/** The skew (ms) the clock carries at `elapsedMs` into the window: the offset plus the jumps made so far. */
export function skewAt(offsetMs: number, jumps: readonly Jump[], elapsedMs: number): number {
  return jumps.reduce((skew, jump) => (jump.atMs <= elapsedMs ? skew + jump.byMs : skew), offsetMs)
}

/**
 * The timestamp-file line that makes the service's wall clock read
 * `real + skewMs + (real - injectedAt) × (rate - 1)`.
 *
 * libfaketime applies a rate (`x1.5`) from the process's own start, not from when the file
 * changed: written as is, a drift switched on at minute 10 would jump the clock by 5 minutes.
 * The offset written cancels that: `skew - (injectedAt - processStart) × (rate - 1)`. All
 * times are the real wall clock in ms since the epoch. The rate is always written, `x1` too:
 * libfaketime keeps the last rate it read when a line has none.
 */
export function faketimeLine(
  skewMs: number,
  rate: number | undefined,
  injectedAtMs: number,
  processStartMs: number
): string {
  const r = rate ?? 1
  const offsetMs = skewMs - (injectedAtMs - processStartMs) * (r - 1)
  const seconds = (Math.round(offsetMs) / 1000).toFixed(3).replace(/\.?0+$/, '')
  const signed = seconds.startsWith('-') ? seconds : `+${seconds}`
  return `${signed} x${r}`
}
