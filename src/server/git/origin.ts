/**
 * The git origin of an experiment version (`git_versions`, written by the sync with each
 * version it adds): which source, file and commit. A run's origin is its version's.
 * @module
 */
import type { Store } from '../store/contract.js'
import type { GitOrigin } from '../../shared/continuous.js'

interface OriginRow {
  source_name: string
  path: string
  commit_sha: string
}

export async function versionOrigin(
  store: Pick<Store, 'sql'>,
  experimentId: string,
  version: number
): Promise<GitOrigin | undefined> {
  const [row] = await store.sql.query<OriginRow>(
    'SELECT source_name, path, commit_sha FROM git_versions WHERE experiment_id = $1 AND version = $2',
    [experimentId, version]
  )
  return row === undefined
    ? undefined
    : { source: row.source_name, path: row.path, commit: row.commit_sha }
}
