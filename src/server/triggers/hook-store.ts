/**
 * The SQL of hooks, deliveries, trigger state and firings (migration 8, `hookTables`), one
 * statement per write, the same text for SQLite and PostgreSQL (store/sql.ts). The secret is
 * read only by {@link HookStore.hookForDelivery}: every listing leaves it out.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Sql } from '../store/sql.js'
import type { HookDelivery, HookInfo, HookKind, TriggerFiring } from '../../shared/continuous.js'

interface HookRow {
  id: string
  name: string
  kind: HookKind
  created_at: string
  created_by_name: string
}

interface DeliveryRow {
  hook_id: string
  delivery_id: string
  received_at: string
  outcome: HookDelivery['outcome']
  reason: string | null
  matched: string
}

interface FiringRow {
  at: string
  events: number
  outcome: TriggerFiring['outcome']
  reason: string | null
  run_id: string | null
}

export interface NewHook {
  id: string
  name: string
  kind: HookKind
  secret: string
  createdAt: string
  createdBy: string
  createdByName: string
}

export interface NewFiring extends TriggerFiring {
  experimentId: string
  name: string
}

/** Rejected deliveries kept per hook (the newest): enough to diagnose a sender. */
export const MAX_REJECTED_KEPT = 200

const rowId = () => randomBytes(12).toString('hex')

const hookInfo = (row: HookRow): HookInfo => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  createdAt: row.created_at,
  createdByName: row.created_by_name,
})

const delivery = (row: DeliveryRow): HookDelivery => ({
  hookId: row.hook_id,
  deliveryId: row.delivery_id,
  receivedAt: row.received_at,
  outcome: row.outcome,
  ...(row.reason !== null ? { reason: row.reason } : {}),
  matched: JSON.parse(row.matched) as string[],
})

const firing = (row: FiringRow): TriggerFiring => ({
  at: row.at,
  events: Number(row.events),
  outcome: row.outcome,
  ...(row.reason !== null ? { reason: row.reason } : {}),
  ...(row.run_id !== null ? { runId: row.run_id } : {}),
})

const DELIVERY_COLUMNS = 'hook_id, delivery_id, received_at, outcome, reason, matched'

export class HookStore {
  constructor(private readonly sql: Sql) {}

  /** False when the name is taken. */
  async insertHook(hook: NewHook): Promise<boolean> {
    const n = await this.sql.execute(
      `INSERT INTO hooks (id, name, kind, secret, created_at, created_by, created_by_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
      [
        hook.id,
        hook.name,
        hook.kind,
        hook.secret,
        hook.createdAt,
        hook.createdBy,
        hook.createdByName,
      ]
    )
    return n === 1
  }

  async listHooks(): Promise<HookInfo[]> {
    const rows = await this.sql.query<HookRow>(
      'SELECT id, name, kind, created_at, created_by_name FROM hooks ORDER BY name'
    )
    return Promise.all(
      rows.map(async (row) => {
        const [last] = await this.deliveries(row.id, 1)
        return { ...hookInfo(row), ...(last !== undefined ? { lastDelivery: last } : {}) }
      })
    )
  }

  async hookInfo(id: string): Promise<HookInfo | undefined> {
    const [row] = await this.sql.query<HookRow>(
      'SELECT id, name, kind, created_at, created_by_name FROM hooks WHERE id = $1',
      [id]
    )
    return row === undefined ? undefined : hookInfo(row)
  }

  /** The hook with its secret: only for checking a delivery. */
  async hookForDelivery(
    id: string
  ): Promise<{ id: string; name: string; kind: HookKind; secret: string } | undefined> {
    const [row] = await this.sql.query<{
      id: string
      name: string
      kind: HookKind
      secret: string
    }>('SELECT id, name, kind, secret FROM hooks WHERE id = $1', [id])
    return row
  }

  async deleteHook(id: string): Promise<boolean> {
    return (await this.sql.execute('DELETE FROM hooks WHERE id = $1', [id])) === 1
  }

  /**
   * Claims an authentic delivery's id (false: seen before, a replay). The row is written
   * before the event is matched; {@link finishDelivery} then sets its outcome.
   */
  async claimDelivery(
    hookId: string,
    deliveryId: string,
    replayKey: string,
    receivedAt: string
  ): Promise<string | undefined> {
    const id = rowId()
    const n = await this.sql.execute(
      `INSERT INTO hook_deliveries (id, hook_id, delivery_id, replay_key, received_at, outcome, reason, matched)
       VALUES ($1, $2, $3, $4, $5, 'ignored', 'being matched', '[]')
       ON CONFLICT (hook_id, replay_key) DO NOTHING`,
      [id, hookId, deliveryId, replayKey, receivedAt]
    )
    return n === 1 ? id : undefined
  }

  async finishDelivery(
    id: string,
    outcome: HookDelivery['outcome'],
    reason: string | undefined,
    matched: string[]
  ): Promise<void> {
    await this.sql.execute(
      'UPDATE hook_deliveries SET outcome = $2, reason = $3, matched = $4 WHERE id = $1',
      [id, outcome, reason ?? null, JSON.stringify(matched)]
    )
  }

  /** A claimed delivery that failed on our side: rejected, its id free for the sender's retry. */
  async releaseDelivery(id: string, reason: string): Promise<void> {
    await this.sql.execute(
      "UPDATE hook_deliveries SET replay_key = NULL, outcome = 'rejected', reason = $2 WHERE id = $1",
      [id, reason]
    )
  }

  /** Claimed deliveries dropped on our side (a debounce window lost at stop): ids given back. */
  async releaseDeliveries(ids: readonly string[], reason: string): Promise<void> {
    for (const id of ids) {
      await this.sql.execute(
        'UPDATE hook_deliveries SET replay_key = NULL, reason = $2 WHERE id = $1',
        [id, reason]
      )
    }
  }

  /**
   * Rows still `being matched` from before `before` (the server stopped or crashed between
   * claim and finish): rejected, their replay keys given back. Returns how many.
   */
  async settleUnfinished(before: string, reason: string): Promise<number> {
    return this.sql.execute(
      `UPDATE hook_deliveries SET replay_key = NULL, outcome = 'rejected', reason = $2
       WHERE reason = 'being matched' AND received_at < $1`,
      [before, reason]
    )
  }

  /**
   * A delivery that claims no id: rejected (its id, if any, is kept for the record only: the
   * receiver has already cut it to a sane label), and only the newest MAX_REJECTED_KEPT.
   */
  async recordDelivery(d: Omit<HookDelivery, 'matched'> & { matched?: string[] }): Promise<void> {
    await this.sql.execute(
      `INSERT INTO hook_deliveries (id, hook_id, delivery_id, replay_key, received_at, outcome, reason, matched)
       VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)`,
      [
        rowId(),
        d.hookId,
        d.deliveryId,
        d.receivedAt,
        d.outcome,
        d.reason ?? null,
        JSON.stringify(d.matched ?? []),
      ]
    )
    // Anyone who knows the URL can send rejected requests: keep only the latest ones per hook.
    await this.sql.execute(
      `DELETE FROM hook_deliveries WHERE hook_id = $1 AND replay_key IS NULL AND outcome = 'rejected'
       AND id NOT IN (SELECT id FROM hook_deliveries WHERE hook_id = $1 AND replay_key IS NULL
         AND outcome = 'rejected' ORDER BY received_at DESC, id DESC LIMIT $2)`,
      [d.hookId, MAX_REJECTED_KEPT]
    )
  }

  /** Newest first. */
  async deliveries(hookId: string, limit: number): Promise<HookDelivery[]> {
    const rows = await this.sql.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM hook_deliveries WHERE hook_id = $1
       ORDER BY received_at DESC, id DESC LIMIT $2`,
      [hookId, limit]
    )
    return rows.map(delivery)
  }

  /** Forgets deliveries received before `before` (ISO); returns how many. */
  async pruneDeliveries(before: string): Promise<number> {
    return this.sql.execute('DELETE FROM hook_deliveries WHERE received_at < $1', [before])
  }

  /** A trigger's previous event: the fields its Change conditions read, as text. */
  async previousFields(
    experimentId: string,
    name: string
  ): Promise<Record<string, string> | undefined> {
    const [row] = await this.sql.query<{ last_fields: string }>(
      'SELECT last_fields FROM trigger_states WHERE experiment_id = $1 AND name = $2',
      [experimentId, name]
    )
    return row === undefined ? undefined : (JSON.parse(row.last_fields) as Record<string, string>)
  }

  async setPreviousFields(
    experimentId: string,
    name: string,
    fields: Record<string, string>
  ): Promise<void> {
    await this.sql.execute(
      `INSERT INTO trigger_states (experiment_id, name, last_fields) VALUES ($1, $2, $3)
       ON CONFLICT (experiment_id, name) DO UPDATE SET last_fields = excluded.last_fields`,
      [experimentId, name, JSON.stringify(fields)]
    )
  }

  async insertFiring(f: NewFiring): Promise<void> {
    await this.sql.execute(
      `INSERT INTO trigger_firings (id, experiment_id, name, at, events, outcome, reason, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        rowId(),
        f.experimentId,
        f.name,
        f.at,
        f.events,
        f.outcome,
        f.reason ?? null,
        f.runId ?? null,
      ]
    )
  }

  async lastFiring(experimentId: string, name: string): Promise<TriggerFiring | undefined> {
    const [row] = await this.sql.query<FiringRow>(
      `SELECT at, events, outcome, reason, run_id FROM trigger_firings
       WHERE experiment_id = $1 AND name = $2 ORDER BY at DESC, id DESC LIMIT 1`,
      [experimentId, name]
    )
    return row === undefined ? undefined : firing(row)
  }

  /** Newest first. */
  async firings(experimentId: string, name: string, limit: number): Promise<TriggerFiring[]> {
    const rows = await this.sql.query<FiringRow>(
      `SELECT at, events, outcome, reason, run_id FROM trigger_firings
       WHERE experiment_id = $1 AND name = $2 ORDER BY at DESC, id DESC LIMIT $3`,
      [experimentId, name, limit]
    )
    return rows.map(firing)
  }

  async pruneFirings(before: string): Promise<number> {
    return this.sql.execute('DELETE FROM trigger_firings WHERE at < $1', [before])
  }
}
