/**
 * The judged run (pass, fail or error) of the same experiment that ended before this one: what
 * a verdict change is measured against (verdict-change.ts).
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { Sql } from '../store/sql.js'

export async function previousJudgedRun(
  sql: Sql,
  run: RunSummary
): Promise<{ id: string; verdict: string } | undefined> {
  const [row] = await sql.query<{ id: string; verdict: string }>(
    `SELECT id, verdict FROM runs
      WHERE experiment_id = $1 AND id <> $2 AND verdict IN ('pass', 'fail', 'error')
        AND ended_at IS NOT NULL AND ended_at <= $3
      ORDER BY ended_at DESC, id DESC LIMIT 1`,
    [run.experimentId, run.id, run.endedAt ?? '9999']
  )
  return row
}
