/**
 * The scheduler's SQL (tables of migration 6: schedule_states, schedule_ticks), one text for
 * SQLite and PostgreSQL. Every write is one idempotent statement: the tick row written
 * `pending` with ON CONFLICT DO NOTHING is what makes a tick run at most once, across restarts.
 * @module
 */
import type { ScheduleTick } from '../../shared/continuous.js'
import type { Sql } from '../store/sql.js'

export interface ScheduleState {
  experimentId: string
  name: string
  paused: boolean
  pausedBy?: string
  pausedAt?: string
  lastDueAt?: string
  timing?: string
}

interface StateRow {
  experiment_id: string
  name: string
  paused: number
  paused_by: string | null
  paused_at: string | null
  last_due_at: string | null
  timing: string | null
}

interface TickRow {
  experiment_id: string
  name: string
  due_at: string
  fire_at: string | null
  fired_at: string | null
  outcome: ScheduleTick['outcome']
  reason: string | null
  run_id: string | null
}

const stateOf = (r: StateRow): ScheduleState => ({
  experimentId: r.experiment_id,
  name: r.name,
  paused: Number(r.paused) === 1,
  ...(r.paused_by !== null ? { pausedBy: r.paused_by } : {}),
  ...(r.paused_at !== null ? { pausedAt: r.paused_at } : {}),
  ...(r.last_due_at !== null ? { lastDueAt: r.last_due_at } : {}),
  ...(r.timing !== null ? { timing: r.timing } : {}),
})

export const tickOf = (r: TickRow): ScheduleTick => ({
  experimentId: r.experiment_id,
  schedule: r.name,
  dueAt: r.due_at,
  ...(r.fire_at !== null ? { fireAt: r.fire_at } : {}),
  ...(r.fired_at !== null ? { firedAt: r.fired_at } : {}),
  outcome: r.outcome,
  ...(r.reason !== null ? { reason: r.reason } : {}),
  ...(r.run_id !== null ? { runId: r.run_id } : {}),
})

export interface ActiveRunRow {
  id: string
  source: string
  /** The schedule that started it (a `schedule` cause), if one did. */
  schedule?: string
}

function scheduleOfCause(cause: string | null): string | undefined {
  if (cause === null) {
    return undefined
  }
  try {
    const parsed = JSON.parse(cause) as { kind?: unknown; schedule?: unknown }
    return parsed.kind === 'schedule' && typeof parsed.schedule === 'string'
      ? parsed.schedule
      : undefined
  } catch {
    return undefined
  }
}

const TICK_COLUMNS = 'experiment_id, name, due_at, fire_at, fired_at, outcome, reason, run_id'

export function scheduleStore(sql: Sql) {
  return {
    async states(): Promise<ScheduleState[]> {
      return (await sql.query<StateRow>('SELECT * FROM schedule_states')).map(stateOf)
    },

    async state(experimentId: string, name: string): Promise<ScheduleState | undefined> {
      const [row] = await sql.query<StateRow>(
        'SELECT * FROM schedule_states WHERE experiment_id = $1 AND name = $2',
        [experimentId, name]
      )
      return row === undefined ? undefined : stateOf(row)
    },

    /** A schedule seen for the first time watches from `since` (nothing before it is missed). */
    async ensureState(experimentId: string, name: string, since: string, timing: string) {
      await sql.execute(
        `INSERT INTO schedule_states (experiment_id, name, last_due_at, timing)
         VALUES ($1, $2, $3, $4) ON CONFLICT (experiment_id, name) DO NOTHING`,
        [experimentId, name, since, timing]
      )
    },

    /** Starts afresh from `since`: a new timing, or a resume (paused ticks are not caught up). */
    async restart(experimentId: string, name: string, since: string, timing: string) {
      await sql.execute(
        'UPDATE schedule_states SET last_due_at = $3, timing = $4 WHERE experiment_id = $1 AND name = $2',
        [experimentId, name, since, timing]
      )
    },

    /** Moves last_due_at forward only (a slow, older handler never moves it back). */
    async advance(experimentId: string, name: string, dueAt: string) {
      await sql.execute(
        `UPDATE schedule_states SET last_due_at = $3
         WHERE experiment_id = $1 AND name = $2 AND (last_due_at IS NULL OR last_due_at < $3)`,
        [experimentId, name, dueAt]
      )
    },

    async setPaused(
      experimentId: string,
      name: string,
      paused: boolean,
      by: string | null,
      at: string | null
    ) {
      await sql.execute(
        `UPDATE schedule_states SET paused = $3, paused_by = $4, paused_at = $5
         WHERE experiment_id = $1 AND name = $2`,
        [experimentId, name, paused ? 1 : 0, by, at]
      )
    },

    /** The schedule left its manifest: its state goes; its newest `keep` ticks stay, as history. */
    async forget(experimentId: string, name: string, keep: number) {
      await sql.execute('DELETE FROM schedule_states WHERE experiment_id = $1 AND name = $2', [
        experimentId,
        name,
      ])
      await this.prune(experimentId, name, keep)
    },

    /** True when this call wrote the row: only the writer of a `pending` tick launches it. */
    async insertTick(tick: ScheduleTick): Promise<boolean> {
      const written = await sql.execute(
        `INSERT INTO schedule_ticks (${TICK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (experiment_id, name, due_at) DO NOTHING`,
        [
          tick.experimentId,
          tick.schedule,
          tick.dueAt,
          tick.fireAt ?? null,
          tick.firedAt ?? null,
          tick.outcome,
          tick.reason ?? null,
          tick.runId ?? null,
        ]
      )
      return written === 1
    },

    /** A pending tick's end: ran (with its run) or skipped / failed (with why). */
    async settleTick(
      tick: Pick<ScheduleTick, 'experimentId' | 'schedule' | 'dueAt' | 'outcome'> &
        Partial<ScheduleTick>
    ) {
      await sql.execute(
        `UPDATE schedule_ticks SET outcome = $4, reason = $5, run_id = $6, fired_at = $7
         WHERE experiment_id = $1 AND name = $2 AND due_at = $3 AND outcome = 'pending'`,
        [
          tick.experimentId,
          tick.schedule,
          tick.dueAt,
          tick.outcome,
          tick.reason ?? null,
          tick.runId ?? null,
          tick.firedAt ?? null,
        ]
      )
    },

    async pendingTicks(): Promise<ScheduleTick[]> {
      return (
        await sql.query<TickRow>(
          `SELECT ${TICK_COLUMNS} FROM schedule_ticks WHERE outcome = 'pending'`
        )
      ).map(tickOf)
    },

    /** The run a dead server started for a pending tick, if it got as far as recording it. */
    async runOfCause(experimentId: string, cause: string): Promise<string | undefined> {
      const [row] = await sql.query<{ id: string }>(
        `SELECT r.id FROM runs r JOIN run_causes c ON c.run_id = r.id
         WHERE r.experiment_id = $1 AND c.cause = $2`,
        [experimentId, cause]
      )
      return row?.id
    },

    /** Keeps the newest `limit` ticks of the schedule. */
    async prune(experimentId: string, name: string, limit: number) {
      await sql.execute(
        `DELETE FROM schedule_ticks WHERE experiment_id = $1 AND name = $2 AND due_at < (
           SELECT due_at FROM schedule_ticks WHERE experiment_id = $1 AND name = $2
           ORDER BY due_at DESC LIMIT 1 OFFSET $3)`,
        [experimentId, name, limit - 1]
      )
    },

    async ticks(experimentId: string, name: string, limit: number): Promise<ScheduleTick[]> {
      return (
        await sql.query<TickRow>(
          `SELECT ${TICK_COLUMNS} FROM schedule_ticks WHERE experiment_id = $1 AND name = $2
           ORDER BY due_at DESC LIMIT $3`,
          [experimentId, name, limit]
        )
      ).map(tickOf)
    },

    /** Each schedule's newest tick (of one experiment, or all). */
    async lastTicks(experimentId?: string): Promise<ScheduleTick[]> {
      // One index lookup per schedule (its MAX(due_at)), not a scan of every tick kept.
      const rows = await sql.query<TickRow>(
        `SELECT t.experiment_id, t.name, t.due_at, t.fire_at, t.fired_at, t.outcome, t.reason,
           t.run_id
         FROM schedule_states s JOIN schedule_ticks t
           ON t.experiment_id = s.experiment_id AND t.name = s.name
         WHERE (CAST($1 AS text) = '' OR s.experiment_id = $1) AND t.due_at = (
           SELECT MAX(m.due_at) FROM schedule_ticks m
           WHERE m.experiment_id = s.experiment_id AND m.name = s.name)`,
        [experimentId ?? '']
      )
      return rows.map(tickOf)
    },

    /**
     * Runs of the experiment still queued or running, with their cause (JSON, when one was
     * stored): Forbid skips for any of them; Replace aborts only its own schedule's.
     */
    async activeRuns(experimentId: string): Promise<ActiveRunRow[]> {
      const rows = await sql.query<{ id: string; source: string; cause: string | null }>(
        `SELECT r.id, r.source, c.cause FROM runs r LEFT JOIN run_causes c ON c.run_id = r.id
         WHERE r.experiment_id = $1 AND r.status IN ('queued', 'running')
         ORDER BY r.started_at`,
        [experimentId]
      )
      return rows.map((r) => {
        const schedule = scheduleOfCause(r.cause)
        return { id: r.id, source: r.source, ...(schedule !== undefined ? { schedule } : {}) }
      })
    },
  }
}

export type ScheduleStore = ReturnType<typeof scheduleStore>
