/**
 * A bound on what one agent's `workload-changed` frames cost the server: each is a delivery
 * the triggers record, so a looping watch (or a hostile agent token) must not flood the store
 * or the log. A token bucket per agent: bursts of BURST (a rollout across many workloads),
 * then RATE per second; what is over is dropped and counted, said at most once per SAY_EVERY_MS.
 * Kept across reconnects (a reconnect does not refill it). Pure: the caller owns the clock.
 * @module
 */

export const BURST = 200
export const RATE_PER_S = 20
export const SAY_EVERY_MS = 10_000

interface Bucket {
  tokens: number
  at: number
  dropped: number
  saidAt: number
}

export class WorkloadRate {
  readonly #buckets = new Map<string, Bucket>()

  /**
   * Whether this agent's frame at `now` is taken; when not, `say` is a log line to write (at
   * most once per SAY_EVERY_MS per agent, with the count since the last one).
   */
  take(agent: string, now: number): { ok: true } | { ok: false; say?: string } {
    const bucket = this.#buckets.get(agent) ?? {
      tokens: BURST,
      at: now,
      dropped: 0,
      saidAt: -Infinity,
    }
    this.#buckets.set(agent, bucket)
    bucket.tokens = Math.min(BURST, bucket.tokens + ((now - bucket.at) / 1000) * RATE_PER_S)
    bucket.at = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { ok: true }
    }
    bucket.dropped += 1
    if (now - bucket.saidAt < SAY_EVERY_MS) {
      return { ok: false }
    }
    const say = `${bucket.dropped} workload-changed frame(s) dropped: more than ${RATE_PER_S}/s after a burst of ${BURST}`
    bucket.saidAt = now
    bucket.dropped = 0
    return { ok: false, say }
  }
}
