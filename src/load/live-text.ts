/**
 * The live load figures of a run's status line and of `ordeal load`'s progress: what the last
 * second did. In a stall nothing completes, so there is no percentile to show (a p99 of
 * `0.0ms` would read as "fast"); the line says so and shows what is outstanding instead:
 * `0 done in last 1 s, 37 outstanding (oldest 2.3 s)`.
 * @module
 */
import pc from 'picocolors'
import type { LoadTick } from './contract.js'
import { formatMs } from '../shared/units.js'

/** Completions of the second, whatever their outcome. */
export function completedIn(tick: LoadTick): number {
  return tick.ok + tick.errors.http + tick.errors.timeout + tick.errors.connection
}

/** `37 outstanding (oldest 2.3 s)`, or `37 outstanding` when the age is not known. */
export function outstandingText(tick: LoadTick): string {
  const oldest = tick.oldestInFlightMs
  return `${tick.inFlight} outstanding${oldest ? ` (oldest ${formatMs(oldest)})` : ''}`
}

/**
 * One second of load for people: `100 sent/s, p99 3.21 ms, 2 err` normally;
 * `0 done in last 1 s, 37 outstanding (oldest 2.3 s)` when nothing completed while requests
 * wait (a paused or black-holed service).
 */
export function liveLoadText(tick: LoadTick): string {
  const errors = tick.errors.http + tick.errors.timeout + tick.errors.connection
  const extra = `${errors ? pc.red(`, ${errors} err`) : ''}${tick.dropped ? pc.yellow(`, ${tick.dropped} dropped`) : ''}`
  if (completedIn(tick) === 0) {
    const waiting = tick.inFlight > 0 ? `, ${pc.yellow(outstandingText(tick))}` : ''
    return `0 done in last 1 s${waiting}${extra}`
  }
  // Requests outstanding for a second or more are worth a look even while others complete.
  const stuck = (tick.oldestInFlightMs ?? 0) >= 1000
  const outstanding = stuck ? `, ${pc.yellow(outstandingText(tick))}` : ''
  return `${tick.sent} sent/s, p99 ${formatMs(tick.p99)}${extra}${outstanding}`
}
