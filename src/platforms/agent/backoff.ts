/**
 * The agent's reconnect backoff: full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"), so 500 agents that lost the same server do not come back in step. Pure: the caller
 * owns the clock and the random source.
 * @module
 */

/** The first attempt's ceiling; doubles per failed attempt. */
export const BACKOFF_BASE_MS = 500
/** The ceiling's cap: bounds a reconnect storm after a server restart to about this long. */
export const BACKOFF_CAP_MS = 15_000
/** A connection ready this long counts as healthy: the next loss starts from attempt 0 again. */
export const BACKOFF_RESET_AFTER_MS = 10_000

/** The ceiling of the wait before attempt `n` (0-based): min(15 s, 500 ms × 2ⁿ). */
export function backoffCeiling(n: number): number {
  // 2^5 × 500 already exceeds the cap; clamping n keeps the power finite for any n.
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(0, n), 10))
}

/** The wait before attempt `n`: uniform in [0, ceiling). `random` is Math.random's contract. */
export function backoffDelay(n: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(n))
}

/** The attempt counter and when the current connection became ready. */
export class Backoff {
  #attempt = 0
  #readyAt: number | undefined

  constructor(private readonly random: () => number = Math.random) {}

  get attempt(): number {
    return this.#attempt
  }

  /** A connection became ready (welcome received) at `now`. */
  ready(now: number): void {
    this.#readyAt = now
  }

  /**
   * The connection closed (or never opened) at `now`: the wait before the next attempt.
   * @param goingAway the server said `bye 1001` (it restarts): start from attempt 1, not 0,
   *   so a restarting server is not hit by every agent at once
   */
  next(now: number, goingAway = false): number {
    if (this.#readyAt !== undefined && now - this.#readyAt >= BACKOFF_RESET_AFTER_MS) {
      this.#attempt = 0
    }
    this.#readyAt = undefined
    if (goingAway) {
      this.#attempt = Math.max(this.#attempt, 1)
    }
    const delay = backoffDelay(this.#attempt, this.random)
    this.#attempt += 1
    return delay
  }
}
