/**
 * The git tables (migrations/continuous.ts `gitTables`) through the store's SQL door: one
 * statement per write, each idempotent (a sync repeated after a crash writes the same rows).
 * @module
 */
import type { Sql } from '../store/sql.js'
import type { GitAuth, GitManifestError, GitOrigin, GitSyncInfo } from '../../shared/continuous.js'

export interface SourceRow {
  id: string
  name: string
  url: string
  branch: string
  folder: string
  auth: GitAuth
  credential: string | null
  webhook_secret: string
  poll_seconds: number
  created_at: string
  created_by: string
  created_by_name: string
  last_sync: string | null
}

/** An experiment this source manages, with its current manifest. */
export interface ManagedRow {
  experiment_id: string
  path: string
  commit_sha: string
  name: string
  yaml: string
}

export async function listSourceRows(sql: Sql): Promise<SourceRow[]> {
  return sql.query<SourceRow>('SELECT * FROM git_sources ORDER BY name')
}

export async function getSourceRow(sql: Sql, id: string): Promise<SourceRow | undefined> {
  const [row] = await sql.query<SourceRow>('SELECT * FROM git_sources WHERE id = $1', [id])
  return row
}

/** False when the name is taken. */
export async function insertSource(sql: Sql, row: SourceRow): Promise<boolean> {
  const changed = await sql.execute(
    `INSERT INTO git_sources (id, name, url, branch, folder, auth, credential, webhook_secret,
       poll_seconds, created_at, created_by, created_by_name, last_sync)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL)
     ON CONFLICT DO NOTHING`,
    [
      row.id,
      row.name,
      row.url,
      row.branch,
      row.folder,
      row.auth,
      row.credential,
      row.webhook_secret,
      row.poll_seconds,
      row.created_at,
      row.created_by,
      row.created_by_name,
    ]
  )
  return changed === 1
}

/** Its managed-experiment rows and invalid rows go with it (ON DELETE CASCADE). */
export async function deleteSource(sql: Sql, id: string): Promise<boolean> {
  return (await sql.execute('DELETE FROM git_sources WHERE id = $1', [id])) === 1
}

export async function setLastSync(sql: Sql, id: string, sync: GitSyncInfo): Promise<void> {
  await sql.execute('UPDATE git_sources SET last_sync = $2 WHERE id = $1', [
    id,
    JSON.stringify(sync),
  ])
}

export async function managedRows(sql: Sql, sourceId: string): Promise<ManagedRow[]> {
  return sql.query<ManagedRow>(
    `SELECT g.experiment_id, g.path, g.commit_sha, e.name, v.yaml
       FROM git_experiments g
       JOIN experiments e ON e.id = g.experiment_id
       JOIN experiment_versions v ON v.experiment_id = e.id AND v.version = e.version
      WHERE g.source_id = $1
      ORDER BY g.path`,
    [sourceId]
  )
}

export async function managedNames(sql: Sql): Promise<Map<string, string[]>> {
  const rows = await sql.query<{ source_id: string; name: string }>(
    `SELECT g.source_id, e.name FROM git_experiments g JOIN experiments e ON e.id = g.experiment_id
      ORDER BY e.name`
  )
  const bySource = new Map<string, string[]>()
  for (const row of rows) {
    bySource.set(row.source_id, [...(bySource.get(row.source_id) ?? []), row.name])
  }
  return bySource
}

/** Which source manages the experiment, if any (the read-only guard, the origin shown). */
export async function managerOf(
  sql: Sql,
  experimentId: string
): Promise<(GitOrigin & { sourceId: string; experimentName: string }) | undefined> {
  const [row] = await sql.query<{
    source_id: string
    name: string
    experiment_name: string
    path: string
    commit_sha: string
  }>(
    `SELECT g.source_id, s.name, e.name AS experiment_name, g.path, g.commit_sha
       FROM git_experiments g
       JOIN git_sources s ON s.id = g.source_id
       JOIN experiments e ON e.id = g.experiment_id
      WHERE g.experiment_id = $1`,
    [experimentId]
  )
  return row === undefined
    ? undefined
    : {
        sourceId: row.source_id,
        source: row.name,
        experimentName: row.experiment_name,
        path: row.path,
        commit: row.commit_sha,
      }
}

/**
 * The source whose sync is creating this experiment right now: its current version was
 * written by that source (created_via `git source NAME`) since the source was added, but the
 * managed row is not written yet (the sync writes it just after). The read-only guard treats
 * it as managed, so a save landing in that window is refused like any other.
 */
export async function creatingSource(sql: Sql, experimentId: string): Promise<string | undefined> {
  const [row] = await sql.query<{ name: string }>(
    `SELECT s.name
       FROM experiments e
       JOIN experiment_versions v ON v.experiment_id = e.id AND v.version = e.version
       JOIN git_sources s ON v.created_via = 'git source ' || s.name AND v.created_at >= s.created_at
      WHERE e.id = $1`,
    [experimentId]
  )
  return row?.name
}

/** Every managed experiment's origin, by experiment id (the experiments list). */
export async function allOrigins(sql: Sql): Promise<Map<string, GitOrigin>> {
  const rows = await sql.query<{
    experiment_id: string
    name: string
    path: string
    commit_sha: string
  }>(
    `SELECT g.experiment_id, s.name, g.path, g.commit_sha
       FROM git_experiments g JOIN git_sources s ON s.id = g.source_id`
  )
  return new Map(
    rows.map((r) => [r.experiment_id, { source: r.name, path: r.path, commit: r.commit_sha }])
  )
}

/** The origins of an experiment's versions that came from git, by version. */
export async function versionOrigins(
  sql: Sql,
  experimentId: string
): Promise<Map<number, GitOrigin>> {
  const rows = await sql.query<{
    version: number
    source_name: string
    path: string
    commit_sha: string
  }>('SELECT version, source_name, path, commit_sha FROM git_versions WHERE experiment_id = $1', [
    experimentId,
  ])
  return new Map(
    rows.map((r) => [
      Number(r.version),
      { source: r.source_name, path: r.path, commit: r.commit_sha },
    ])
  )
}

export async function upsertManaged(
  sql: Sql,
  row: { experimentId: string; sourceId: string; path: string; commit: string }
): Promise<void> {
  await sql.execute(
    `INSERT INTO git_experiments (experiment_id, source_id, path, commit_sha) VALUES ($1, $2, $3, $4)
     ON CONFLICT (experiment_id) DO UPDATE SET source_id = $2, path = $3, commit_sha = $4`,
    [row.experimentId, row.sourceId, row.path, row.commit]
  )
}

export async function deleteManaged(sql: Sql, experimentId: string): Promise<void> {
  await sql.execute('DELETE FROM git_experiments WHERE experiment_id = $1', [experimentId])
}

export async function addVersionOrigin(
  sql: Sql,
  row: { experimentId: string; version: number; source: string; path: string; commit: string }
): Promise<void> {
  await sql.execute(
    `INSERT INTO git_versions (experiment_id, version, source_name, path, commit_sha)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [row.experimentId, row.version, row.source, row.path, row.commit]
  )
}

export async function upsertInvalid(
  sql: Sql,
  sourceId: string,
  error: GitManifestError,
  commit: string
): Promise<void> {
  await sql.execute(
    `INSERT INTO git_invalid (source_id, path, line, message, commit_sha) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (source_id, path) DO UPDATE SET line = $3, message = $4, commit_sha = $5`,
    [sourceId, error.path, error.line ?? null, error.message, commit]
  )
}

export async function deleteInvalid(sql: Sql, sourceId: string, path: string): Promise<void> {
  await sql.execute('DELETE FROM git_invalid WHERE source_id = $1 AND path = $2', [sourceId, path])
}

export async function listInvalid(sql: Sql, sourceId: string): Promise<GitManifestError[]> {
  const rows = await sql.query<{ path: string; line: number | null; message: string }>(
    'SELECT path, line, message FROM git_invalid WHERE source_id = $1 ORDER BY path',
    [sourceId]
  )
  return rows.map((r) => ({
    path: r.path,
    ...(r.line !== null ? { line: Number(r.line) } : {}),
    message: r.message,
  }))
}
