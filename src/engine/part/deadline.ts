/**
 * A part's own run deadline, a backstop to its coordinator's (review 14b #9). The coordinator's
 * clock starts once every part has accepted, just before it sends `prepare`; parts accept up to
 * the fleet's accept timeout apart (60 s, src/server/fleet/queue.ts ACCEPT_TIMEOUT_MS). So the
 * part's clock restarts at `prepare`, with a slack past the coordinator's; before `prepare` it
 * allows for the accept wait too. The watchdog's deadline (systemDeadline, fixed when the run
 * process starts: the ledger entries carry it) allows for the whole of that.
 * @module
 */

/** The longest a part waits between its `accepted` and its coordinator's `prepare`. */
export const kPartAcceptWaitMs = 60_000
/** How long past the run's deadline a part waits for its coordinator's stop before it aborts. */
export const kPartDeadlineSlackMs = 30_000
/** Past the part's own deadline, the watchdog's (as for a local run: 60 s past its deadline). */
const kWatchdogPastMs = 30_000

/** Milliseconds from the run process's start to the watchdog's deadline. */
export function watchdogAfterMs(deadlineMs: number, part: boolean): number {
  return deadlineMs + (part ? kPartAcceptWaitMs + kPartDeadlineSlackMs + kWatchdogPastMs : 60_000)
}

export interface Timers {
  set: (fn: () => void, ms: number) => unknown
  clear: (handle: unknown) => void
}
const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/** The run's deadline timer; for a part, restarted by {@link RunDeadline.prepared}. */
export class RunDeadline {
  #handle: unknown

  constructor(
    private readonly deadlineMs: number,
    private readonly part: boolean,
    private readonly expire: () => void,
    private readonly timers: Timers = realTimers
  ) {
    this.#arm(part ? deadlineMs + kPartAcceptWaitMs + kPartDeadlineSlackMs : deadlineMs)
  }

  /** The coordinator's `prepare` came: its clock started just before. */
  prepared(): void {
    if (this.part && this.#handle !== undefined) {
      this.#arm(this.deadlineMs + kPartDeadlineSlackMs)
    }
  }

  clear(): void {
    if (this.#handle !== undefined) {
      this.timers.clear(this.#handle)
      this.#handle = undefined
    }
  }

  #arm(ms: number): void {
    this.clear()
    this.#handle = this.timers.set(() => {
      this.#handle = undefined
      this.expire()
    }, ms)
  }
}
