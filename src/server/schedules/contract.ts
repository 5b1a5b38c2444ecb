/**
 * The Chaos Center's scheduler (issue 16 §1): every experiment's `spec.schedules`, fired on an
 * injected clock; state and ticks in the store (migration 6). Routes reach it as `ctx.schedules`.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import type { ScheduleInfo, ScheduleTick } from '../../shared/continuous.js'

export interface Schedules {
  /** Reads every experiment's schedules, records missed ticks (skipped or run once), arms timers. */
  start(): Promise<void>
  /** Re-reads one experiment's schedules (created, changed, deleted). */
  experimentChanged(experimentId: string): Promise<void>
  /**
   * All schedules, or one experiment's, with their next ticks and last tick; sorted by
   * experiment then schedule name, `limit` of them from `offset` when given.
   */
  list(experimentId?: string, page?: { limit?: number; offset?: number }): Promise<ScheduleInfo[]>
  /** A schedule's ticks, newest first. Undefined when there is no such schedule. */
  ticks(experimentId: string, name: string, limit?: number): Promise<ScheduleTick[] | undefined>
  /** Pause or resume; undefined when there is no such schedule. */
  setPaused(
    experimentId: string,
    name: string,
    paused: boolean,
    by: Actor
  ): Promise<ScheduleInfo | undefined>
  /** Disarms every timer; ticks already firing finish recording. */
  stop(): Promise<void>
}
