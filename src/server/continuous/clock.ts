/**
 * The time that schedules, debounce windows, git polls and notification retries read, injected
 * so their tests move it by hand (no sleeping through minutes): `systemClock` in the server,
 * `ManualClock` (test/support/manual-clock.ts) in tests.
 * @module
 */
export interface Timer {
  cancel(): void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `fire` once, `ms` from now (0 or less: on the next turn). */
  timer(ms: number, fire: () => void): Timer
}

/** The longest single setTimeout Node honours (about 24.8 days); longer waits re-arm. */
const MAX_TIMEOUT = 2 ** 31 - 1

export const systemClock: Clock = {
  now: () => Date.now(),
  timer(ms, fire) {
    let handle: NodeJS.Timeout
    const due = Date.now() + ms
    const arm = (left: number) => {
      handle = setTimeout(
        () => {
          const rest = due - Date.now()
          if (rest > 0) {
            arm(rest)
          } else {
            fire()
          }
        },
        Math.max(0, Math.min(left, MAX_TIMEOUT))
      )
      // A pending schedule never keeps a process alive by itself (the server's listener does).
      handle.unref()
    }
    arm(ms)
    return { cancel: () => clearTimeout(handle) }
  },
}
