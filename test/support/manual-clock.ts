/**
 * A Clock (src/server/continuous/clock.ts) that moves only when a test says so: schedules,
 * debounce windows, polls and retries are tested across minutes, days and DST changes without
 * sleeping. `advance` fires due timers in time order, letting the promises each one starts
 * settle before the next (a fired tick records itself before the following one is due).
 */
import type { Clock, Timer } from '../../src/server/continuous/clock.js'

interface Pending {
  due: number
  seq: number
  fire: () => void
  cancelled: boolean
}

export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #pending: Pending[] = []

  constructor(start: number | string | Date = '2026-12-07T00:00:00Z') {
    this.#now = new Date(start).getTime()
  }

  now(): number {
    return this.#now
  }

  timer(ms: number, fire: () => void): Timer {
    const entry: Pending = {
      due: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fire,
      cancelled: false,
    }
    this.#pending.push(entry)
    return {
      cancel: () => {
        entry.cancelled = true
      },
    }
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.#pending.filter((p) => !p.cancelled).length
  }

  /** The earliest armed timer's due time, if any. */
  nextDue(): number | undefined {
    const next = this.#live()[0]
    return next?.due
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms)
  }

  async advanceTo(to: number | string | Date): Promise<void> {
    const target = new Date(to).getTime()
    for (;;) {
      await settle()
      const next = this.#live()[0]
      if (next === undefined || next.due > target) {
        break
      }
      this.#now = Math.max(this.#now, next.due)
      next.cancelled = true
      next.fire()
    }
    this.#now = Math.max(this.#now, target)
    await settle()
  }

  /** Sets the time without firing anything (a server that was down across ticks). */
  jumpTo(to: number | string | Date): void {
    this.#now = new Date(to).getTime()
  }

  #live(): Pending[] {
    this.#pending = this.#pending.filter((p) => !p.cancelled)
    return [...this.#pending].sort((a, b) => a.due - b.due || a.seq - b.seq)
  }
}

/** Lets pending promise chains (and I/O callbacks already queued) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
