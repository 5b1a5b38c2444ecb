/**
 * Deliveries in the store: one row per (target, run), written before the first attempt, so a
 * run that ends while the server restarts is never announced twice and a pending delivery is
 * resumed from here. Each write is one idempotent statement (store/sql.ts).
 * @module
 */
import type { NotificationDelivery } from '../../shared/continuous.js'
import type { Sql } from '../store/sql.js'

interface DeliveryRow {
  id: string
  target_id: string
  target_name: string
  run_id: string
  experiment_name: string
  change: NotificationDelivery['change']
  status: NotificationDelivery['status']
  attempts: number
  last_error: string | null
  next_attempt_at: string | null
  created_at: string
  delivered_at: string | null
}

/** A delivery with what the sender needs: the target's URL and kind, the stored payload. */
export interface PendingDelivery extends NotificationDelivery {
  url: string
  payload: string
}

const COLUMNS = `d.id, d.target_id, t.name AS target_name, d.run_id, d.experiment_name, d.change,
  d.status, d.attempts, d.last_error, d.next_attempt_at, d.created_at, d.delivered_at`

function toDelivery(row: DeliveryRow): NotificationDelivery {
  return {
    id: row.id,
    targetId: row.target_id,
    targetName: row.target_name,
    runId: row.run_id,
    experimentName: row.experiment_name,
    change: row.change,
    status: row.status,
    attempts: Number(row.attempts),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.next_attempt_at !== null ? { nextAttemptAt: row.next_attempt_at } : {}),
    createdAt: row.created_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
  }
}

export interface NewDelivery {
  id: string
  targetId: string
  runId: string
  experimentName: string
  change: NotificationDelivery['change']
  payload: string
  createdAt: string
}

/** False when this target already has a delivery for this run. */
export async function insertDelivery(sql: Sql, d: NewDelivery): Promise<boolean> {
  const inserted = await sql.execute(
    `INSERT INTO notification_deliveries
       (id, target_id, run_id, experiment_name, change, payload, status, attempts, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)
     ON CONFLICT (target_id, run_id) DO NOTHING`,
    [d.id, d.targetId, d.runId, d.experimentName, d.change, d.payload, d.createdAt]
  )
  return inserted === 1
}

export async function getDelivery(sql: Sql, id: string): Promise<PendingDelivery | undefined> {
  const [row] = await sql.query<DeliveryRow & { url: string; kind: string; payload: string }>(
    `SELECT ${COLUMNS}, t.url, d.payload FROM notification_deliveries d
       JOIN notification_targets t ON t.id = d.target_id WHERE d.id = $1`,
    [id]
  )
  return row === undefined ? undefined : { ...toDelivery(row), url: row.url, payload: row.payload }
}

/** Pending deliveries (server start): id and when each is due. */
export async function pendingDeliveries(
  sql: Sql
): Promise<{ id: string; next_attempt_at: string | null }[]> {
  return sql.query(
    "SELECT id, next_attempt_at FROM notification_deliveries WHERE status = 'pending' ORDER BY next_attempt_at"
  )
}

export interface AttemptRecord {
  status: NotificationDelivery['status']
  lastError?: string
  nextAttemptAt?: string
  deliveredAt?: string
}

/** Counts one attempt and its outcome; only while pending (a repeat after a restart is a no-op). */
export async function recordAttempt(
  sql: Sql,
  id: string,
  attempts: number,
  record: AttemptRecord
): Promise<boolean> {
  const changed = await sql.execute(
    `UPDATE notification_deliveries
        SET status = $3, attempts = $2, last_error = $4, next_attempt_at = $5, delivered_at = $6
      WHERE id = $1 AND status = 'pending' AND attempts = $2 - 1`,
    [
      id,
      attempts,
      record.status,
      record.lastError ?? null,
      record.nextAttemptAt ?? null,
      record.deliveredAt ?? null,
    ]
  )
  return changed === 1
}

export async function listDeliveries(
  sql: Sql,
  query: { status?: NotificationDelivery['status']; limit: number }
): Promise<NotificationDelivery[]> {
  const rows = await sql.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM notification_deliveries d
       JOIN notification_targets t ON t.id = d.target_id
      WHERE ($1 = '' OR d.status = $1)
      ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [query.status ?? '', query.limit]
  )
  return rows.map(toDelivery)
}
