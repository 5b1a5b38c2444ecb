/**
 * The run a gate judges: the experiment's run that ended last. Ordered by end time, not start
 * time: a long run started before a short one but ended after it is the newer evidence. With a
 * version, only runs of that version count: after a git sync or a UI save changed the
 * experiment, a run of the superseded manifest is no evidence about the current one.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { Sql } from '../store/sql.js'
import { RUN_COLUMNS, toRunSummary, type RunRow } from '../store/rows.js'

export async function latestEndedRun(
  sql: Sql,
  experimentId: string,
  version?: number
): Promise<RunSummary | undefined> {
  const ofVersion = version !== undefined ? 'AND experiment_version = $2' : ''
  const [row] = await sql.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM runs
      WHERE experiment_id = $1 AND status IN ('finished', 'interrupted', 'cancelled')
        AND ended_at IS NOT NULL ${ofVersion}
      ORDER BY ended_at DESC, id DESC LIMIT 1`,
    version !== undefined ? [experimentId, version] : [experimentId]
  )
  return row === undefined ? undefined : toRunSummary(row)
}
