/**
 * Workload changes that fired no trigger, counted per agent and said at most once per
 * SAY_EVERY_MS: an accepted frame is not worth a log line of its own (20 a second per agent
 * is 1.7 M lines a day from a looping watch or a hostile token); a matched one is. Pure: the
 * caller owns the clock.
 * @module
 */

export const SAY_EVERY_MS = 60_000

export class UnmatchedCount {
  readonly #agents = new Map<string, { count: number; saidAt: number }>()

  /** Counts one; returns a line to log when one is due (with the count since the last). */
  add(agent: string, now: number): string | undefined {
    const entry = this.#agents.get(agent) ?? { count: 0, saidAt: -Infinity }
    this.#agents.set(agent, entry)
    entry.count += 1
    if (now - entry.saidAt < SAY_EVERY_MS) {
      return undefined
    }
    const line = `${entry.count} workload change(s) matched no kubernetes trigger (or their conditions did not hold) since the last such line`
    entry.saidAt = now
    entry.count = 0
    return line
  }
}
