/**
 * When and how soon a replica that exited on its own is re-created (Kubernetes' restartPolicy
 * and CrashLoopBackOff, scaled down to a laptop).
 * @module
 */
import type { RestartPolicy } from '../../experiment/model.js'

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

/** After running this long, a replica counts as healthy again and its backoff starts over. */
export const BACKOFF_RESET_AFTER_MS = 10_000

/** `on-failure` restarts on a non-zero exit code or when a signal killed the process. */
export function shouldRestart(policy: RestartPolicy, exit: ExitInfo): boolean {
  switch (policy) {
    case 'always':
      return true
    case 'on-failure':
      return exit.code !== 0
    case 'never':
      return false
  }
}

/**
 * The delay before the next restart: `initialMs` the first time (or after a run of at least
 * BACKOFF_RESET_AFTER_MS), then double the previous delay, capped at `maxMs`.
 */
export function nextRestartDelay(
  previousDelayMs: number | undefined,
  ranForMs: number,
  backoff: { initialMs: number; maxMs: number }
): number {
  if (previousDelayMs === undefined || ranForMs >= BACKOFF_RESET_AFTER_MS) {
    return Math.min(backoff.initialMs, backoff.maxMs)
  }
  return Math.min(Math.max(previousDelayMs * 2, backoff.initialMs), backoff.maxMs)
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(exit: ExitInfo): string {
  return exit.code !== null
    ? `exited with code ${exit.code}`
    : `was killed by ${exit.signal ?? 'a signal'}`
}

/**
 * A replica that exits this soon after being spawned, before it was ever ready, "exited at
 * once": a typo in its command, a missing file, a port already taken.
 */
export const CRASH_LOOP_WINDOW_MS = 2_000
/** That many such exits in a row end the start at once instead of at the readiness timeout. */
export const CRASH_LOOP_EXITS = 3

/**
 * Consecutive quick exits while starting, given the count so far and how long the last
 * attempt ran; a slower failure (a clustered server failing once mid-boot) starts it over.
 */
export function quickExitsAfter(previous: number, ranForMs: number): number {
  return ranForMs < CRASH_LOOP_WINDOW_MS ? previous + 1 : 0
}
