/**
 * When a delivery that did not go through is tried again: 1 s, doubling, at most 5 min between
 * attempts, never later than an hour after the delivery was created nor past 20 attempts (then
 * it is `failed` with the last error). A receiver's `Retry-After` (429, 503) replaces the
 * computed delay. Pure: the notifier arms the answer on its injected clock.
 * @module
 */
export const RETRY = {
  firstMs: 1000,
  maxDelayMs: 5 * 60_000,
  giveUpAfterMs: 60 * 60_000,
  maxAttempts: 20,
} as const

/** The delay after the n-th failed attempt (n ≥ 1). */
export function backoffMs(attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30)
  return Math.min(RETRY.maxDelayMs, RETRY.firstMs * 2 ** exponent)
}

/**
 * The time of the next attempt after `attempts` failed ones, or undefined to give up.
 * @param retryAfterMs what the receiver asked for, if anything
 */
export function nextAttemptAt(
  attempts: number,
  createdAt: number,
  now: number,
  retryAfterMs?: number
): number | undefined {
  if (attempts >= RETRY.maxAttempts) {
    return undefined
  }
  const at = now + (retryAfterMs ?? backoffMs(attempts))
  return at > createdAt + RETRY.giveUpAfterMs ? undefined : at
}

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000
  }
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
