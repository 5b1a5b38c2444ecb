/**
 * Figures for people: every number a report, a reason or a log line shows goes through one of
 * these, so `observed 2040.831` reads `2.04 s` everywhere (terminal, JUnit, JSON reasons, UI).
 * At most three significant digits, a unit on every figure, and never `NaN`: a figure that is
 * not a number reads `n/a`. No Node APIs: the UI imports this file.
 * @module
 */

/** What a figure that is not a finite number reads as. */
export const NOT_A_FIGURE = 'n/a'

/**
 * `x` with at most three significant digits and no trailing zeros: 2.0408 → "2.04",
 * 150.4 → "150", 1234 → "1230" (a count above 999 should use {@link formatCount}).
 */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) {
    return NOT_A_FIGURE
  }
  // Below a millionth the figure would print in exponent notation (1e-7); no report needs it.
  if (Math.abs(x) < 1e-6) {
    return '0'
  }
  // toPrecision may switch to exponent notation (1.23e+5); Number() brings it back to digits.
  const text = String(Number(x.toPrecision(3)))
  return text === '-0' ? '0' : text
}

/**
 * A duration in milliseconds: `812 µs`, `12.3 ms`, `2.04 s`, `1.5 min`, `2.1 h`. The unit
 * switches where the figure would need a fourth digit (999 ms, then 1 s). `compact` drops the
 * space (`12.3ms`), for k6-style `key=value` lists where a space separates entries.
 */
export function formatMs(ms: number, options: { compact?: boolean } = {}): string {
  if (!Number.isFinite(ms)) {
    return NOT_A_FIGURE
  }
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(ms)
  if (abs === 0) {
    return '0 ms'
  }
  // Thresholds compare rounded figures: 999.6 ms rounds to 1000 ms, which reads 1 s.
  const units: [number, string][] = [
    [0.001, 'µs'],
    [1, 'ms'],
    [1000, 's'],
    [60_000, 'min'],
    [3_600_000, 'h'],
  ]
  let chosen = units[0]!
  for (const unit of units) {
    if (Number((abs / unit[0]).toPrecision(3)) >= 1) {
      chosen = unit
    }
  }
  // Beyond 999 h the figure grows digits rather than switching to days: runs are shorter.
  const value = abs / chosen[0]
  const text =
    value >= 1000 ? Math.round(value).toLocaleString('en-US', { useGrouping: false }) : sig3(value)
  return `${sign}${text}${options.compact ? '' : ' '}${chosen[1]}`
}

/** A time relative to the run start: `+6.2 s`, `+0.0 s`, `+2 min 5.3 s`. One decimal of seconds. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) {
    return NOT_A_FIGURE
  }
  const sign = ms < 0 ? '-' : '+'
  const tenths = Math.round(Math.abs(ms) / 100)
  if (tenths < 600) {
    return `${sign}${(tenths / 10).toFixed(1)} s`
  }
  const minutes = Math.floor(tenths / 600)
  return `${sign}${minutes} min ${((tenths % 600) / 10).toFixed(1)} s`
}

/** A window on the run's timeline: `+6.0 s..+9.0 s`, or `+6.0 s..` while it is still open. */
export function formatSpan(startMs: number, endMs: number | undefined): string {
  return `${formatOffset(startMs)}..${endMs === undefined ? '' : formatOffset(endMs)}`
}

/** A ratio 0..1 as a percentage: 0.12 → `12%`, 0.0123 → `1.23%`, 0 → `0%`. */
export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${sig3(ratio * 100)}%` : NOT_A_FIGURE
}

/** Events per second: `12.3/s`, `500/s`. */
export function formatRate(perSecond: number): string {
  return Number.isFinite(perSecond) ? `${sig3(perSecond)}/s` : NOT_A_FIGURE
}

/** A count, exact (counts are never rounded): `48`, `12 000`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) {
    return NOT_A_FIGURE
  }
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')
}

/**
 * The resilience score as every surface shows it (CLI, JUnit, JSON reasons, metrics docs and
 * the UI): the engine already truncates it to two decimals (src/engine/score.ts), so this
 * only drops trailing zeros and never rounds: 62.5 stays `62.5` (not 63), 83.333 → `83.33`.
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) {
    return NOT_A_FIGURE
  }
  const truncated = Math.trunc(score * 100 + (score >= 0 ? 1e-9 : -1e-9)) / 100
  return String(truncated)
}
