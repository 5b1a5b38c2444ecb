/**
 * Notification targets in the store. The URL is a secret (a Slack incoming webhook's path is
 * its only credential): it is stored, read back only to send, and shown as `urlHint`
 * (`https://hooks.slack.com/…`).
 * @module
 */
import type { NotificationKind, NotificationTarget } from '../../shared/continuous.js'
import type { Sql } from '../store/sql.js'

interface TargetRow {
  id: string
  name: string
  kind: NotificationKind
  url: string
  labels: string | null
  created_at: string
  created_by_name: string
}

export interface StoredTarget extends NotificationTarget {
  url: string
}

/** Scheme and host only: everything after the host may be the secret. */
export function urlHint(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}/…`
  } catch {
    return '…'
  }
}

function toTarget(row: TargetRow): StoredTarget {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    urlHint: urlHint(row.url),
    ...(row.labels !== null ? { labels: JSON.parse(row.labels) as Record<string, string> } : {}),
    createdAt: row.created_at,
    createdByName: row.created_by_name,
  }
}

/** The answer's shape: the stored target without its URL. */
export function publicTarget({ url: _, ...target }: StoredTarget): NotificationTarget {
  return target
}

const COLUMNS = 'id, name, kind, url, labels, created_at, created_by_name'

export async function listTargets(sql: Sql): Promise<StoredTarget[]> {
  const rows = await sql.query<TargetRow>(
    `SELECT ${COLUMNS} FROM notification_targets ORDER BY name`
  )
  return rows.map(toTarget)
}

export async function getTarget(sql: Sql, id: string): Promise<StoredTarget | undefined> {
  const [row] = await sql.query<TargetRow>(
    `SELECT ${COLUMNS} FROM notification_targets WHERE id = $1`,
    [id]
  )
  return row === undefined ? undefined : toTarget(row)
}

/** False when the name is taken. */
export async function insertTarget(sql: Sql, target: StoredTarget): Promise<boolean> {
  const inserted = await sql.execute(
    `INSERT INTO notification_targets (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [
      target.id,
      target.name,
      target.kind,
      target.url,
      target.labels !== undefined ? JSON.stringify(target.labels) : null,
      target.createdAt,
      target.createdByName,
    ]
  )
  return inserted === 1
}

export async function deleteTarget(sql: Sql, id: string): Promise<boolean> {
  return (await sql.execute('DELETE FROM notification_targets WHERE id = $1', [id])) === 1
}
