/**
 * Timestamps as chaoslib writes them (`datetime.now(timezone.utc).isoformat()`): microseconds
 * (ordeal has milliseconds, so the last three digits are 0), the fraction left out when it is
 * zero, and an explicit `+00:00`.
 * @module
 */

export function pyIsoUtc(date: Date): string {
  const iso = date.toISOString() // 2024-05-01T12:00:00.123Z
  const [whole, ms] = iso.slice(0, -1).split('.')
  return ms === '000' ? `${whole}+00:00` : `${whole}.${ms}000+00:00`
}

/** Seconds between two dates, as `timedelta.total_seconds()`. */
export function seconds(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 1000
}
