/**
 * Randomised fault timing (issue 18 §5): a fault's `after` and `interval` may be a fixed
 * duration (`5s`), a range (`5s..15s`, drawn uniformly) or, read more naturally for a repeat,
 * a duration with jitter (`10s±2s`, or `10s+-2s` for keyboards without ±, i.e. 8s..12s). Parsed
 * here, without Node APIs: the manifest schema (bundled into the UI) validates with it. The
 * draws themselves come from the run's seed (engine/timing-draw.ts).
 * @module
 */
import { formatDuration, parseDuration } from './duration.js'

/** Both ends in milliseconds, inclusive; a fixed duration has minMs === maxMs. */
export interface TimingRange {
  minMs: number
  maxMs: number
}

/** The longest `after` or `interval`: the same cap as a fault's `duration`. */
export const MAX_TIMING_MS = 24 * 3_600_000

const D = '(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+'
/** What the JSON Schema (editors' completion) says; the messages come from parseTiming. */
export const TIMING_PATTERN = `^${D}(?:\\.\\.${D}|(?:±|\\+-)${D})?$`

export type TimingParse = { ok: true; range: TimingRange } | { ok: false; message: string }

export interface TimingLimits {
  /** `interval`: a repeat every 0s would spin; `after` may be 0s. */
  positive?: boolean
}

const kForms = 'a duration like 5s, a range like 5s..15s, or a jitter like 10s±2s'

/** Parses `5s`, `5s..15s` or `10s±2s`; the message says what is wrong, in one line. */
export function parseTiming(text: string, limits: TimingLimits = {}): TimingParse {
  const range = parseForm(text)
  if (!range.ok) {
    return range
  }
  const { minMs, maxMs } = range.range
  if (maxMs > MAX_TIMING_MS) {
    return { ok: false, message: `must be at most 24h, got '${text}'` }
  }
  if (limits.positive && minMs <= 0) {
    return {
      ok: false,
      message:
        minMs === maxMs
          ? 'must be longer than 0s'
          : `must be longer than 0s at its low end, got '${text}' (from ${formatDuration(minMs)})`,
    }
  }
  return range
}

function parseForm(text: string): TimingParse {
  const dots = text.indexOf('..')
  if (dots >= 0) {
    const low = text.slice(0, dots)
    const high = text.slice(dots + 2)
    const minMs = parseDuration(low)
    const maxMs = parseDuration(high)
    const bad = minMs === undefined ? low : maxMs === undefined ? high : undefined
    if (bad !== undefined || minMs === undefined || maxMs === undefined) {
      return {
        ok: false,
        message: `'${bad ?? ''}' is not a duration like 5s, in the range '${text}'`,
      }
    }
    if (minMs > maxMs) {
      return {
        ok: false,
        message: `range '${text}' must go from low to high (${low} is more than ${high})`,
      }
    }
    return { ok: true, range: { minMs, maxMs } }
  }
  const jitter = /^(.*?)(?:±|\+-)(.*)$/.exec(text)
  if (jitter) {
    const [, center = '', spread = ''] = jitter
    const centerMs = parseDuration(center)
    const spreadMs = parseDuration(spread)
    const bad = centerMs === undefined ? center : spreadMs === undefined ? spread : undefined
    if (bad !== undefined || centerMs === undefined || spreadMs === undefined) {
      return {
        ok: false,
        message: `'${bad ?? ''}' is not a duration like 5s, in the jitter '${text}'`,
      }
    }
    if (spreadMs > centerMs) {
      return {
        ok: false,
        message: `jitter '${text}' must not be more than the duration it varies (${spread} is more than ${center})`,
      }
    }
    return { ok: true, range: { minMs: centerMs - spreadMs, maxMs: centerMs + spreadMs } }
  }
  const ms = parseDuration(text)
  if (ms === undefined) {
    return { ok: false, message: `must be ${kForms}, got '${text}'` }
  }
  return { ok: true, range: { minMs: ms, maxMs: ms } }
}

/** Parses text the schema already accepted; throws on anything else (a caller's bug). */
export function timingOf(text: string): TimingRange {
  const parsed = parseTiming(text)
  if (!parsed.ok) {
    throw new Error(`not a timing: ${parsed.message}`)
  }
  return parsed.range
}

export function isFixed(range: TimingRange): boolean {
  return range.minMs === range.maxMs
}

/** `5s..15s`, or `5s` when fixed: how dry runs and journals show a range. */
export function formatTiming(range: TimingRange): string {
  return isFixed(range)
    ? formatDuration(range.minMs)
    : `${formatDuration(range.minMs)}..${formatDuration(range.maxMs)}`
}

/**
 * The next wait of a repeating fault: a fixed interval as written, a range drawn by `draw` (the
 * run's seeded, journaled draw). Without `draw` (a driver exercised on its own) it draws
 * uniformly with Math.random: nothing to reproduce there.
 */
export function nextWait(range: TimingRange, draw?: (range: TimingRange) => number): number {
  if (isFixed(range)) {
    return range.minMs
  }
  return draw
    ? draw(range)
    : range.minMs + Math.floor(Math.random() * (range.maxMs - range.minMs + 1))
}
