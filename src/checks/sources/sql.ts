/**
 * Delivered ids from a SQL query: the first column of every row, as text.
 * @module
 */
import path from 'node:path'
import { sqlScalar } from '../../probes/sql/client.js'
import type { SqlDriver } from '../../probes/sql/client.js'
import { queryRowsAs } from '../../probes/sql/query-as.js'
import type { Launcher } from '../../platforms/local/exec-policy.js'

export interface SqlSource {
  driver: SqlDriver
  /** A file path (relative to the manifest) for sqlite; a connection URL otherwise. */
  database: string
  query: string
}

/** Rows whose first column is NULL carry no id and are skipped. */
export async function readSqlSource(
  source: SqlSource,
  ctx: { baseDir: string; signal: AbortSignal; timeoutMs: number; launch?: Launcher }
): Promise<string[]> {
  const database =
    source.driver === 'sqlite' ? path.resolve(ctx.baseDir, source.database) : source.database
  // As the run user when commands run as another one: its rights, its unix-socket identity.
  const rows = await queryRowsAs(ctx.launch, source.driver, database, source.query, {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    applicationName: 'ordeal-check',
    exactIntegers: true,
  })
  const ids: string[] = []
  for (const row of rows) {
    const id = sqlScalar(row[0])
    if (id !== undefined) {
      ids.push(String(id))
    }
  }
  return ids
}
