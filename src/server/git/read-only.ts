/**
 * Experiments managed by a git source are read-only everywhere but in git: a save or delete
 * from the UI or the API, and `ordeal run --server --update-experiment`, are refused with 409
 * naming the source and file. (A source removed: its experiments are editable again.)
 *
 * The guard is a read before the write, so it must hold for every state the sync can leave
 * between two statements. The sync takes an experiment only when it wrote its current version:
 * one it is creating (visible from its first statement through its version's author, see
 * creatingSource) or one it already manages. The one case left: a source removed and added
 * again under its name takes back an orphan it wrote before; a save racing that first sync can
 * still land, and the sync after it puts the git version back.
 * @module
 */
import type { Store } from '../store/contract.js'
import { HttpError } from '../http/route.js'
import { creatingSource, managerOf } from './sources-sql.js'

export async function refuseIfGitManaged(
  store: Pick<Store, 'sql'>,
  experimentId: string
): Promise<void> {
  const manager = await managerOf(store.sql, experimentId)
  if (manager !== undefined) {
    throw new HttpError(
      409,
      'conflict',
      `experiment ${manager.experimentName} is managed by git source ${manager.source} (path ${manager.path}): change it in git`
    )
  }
  // The window between the sync creating the experiment and recording it as managed.
  const creating = await creatingSource(store.sql, experimentId)
  if (creating !== undefined) {
    throw new HttpError(
      409,
      'conflict',
      `experiment ${experimentId} is being created by git source ${creating}: change it in git`
    )
  }
}
