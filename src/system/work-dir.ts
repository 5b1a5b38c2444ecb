/**
 * A run's work dir: where user-supplied commands write (services' data dirs under `data/`).
 * When they run as ordeal's own user it is the run's state dir, as it always was; as another
 * user it is a private dir under the system temp dir, owned by that user: ordeal's state dir
 * (and the Chaos Center's data dir) stay out of its reach.
 * @module
 */
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExecPolicy } from './exec-policy.js'

export interface WorkDir {
  dir: string
  /** Removes what the run's commands wrote (and the dir itself when the run made it). */
  remove(): void
}

/**
 * @param otherUsers some service runs as a user of its own (`user:`): its data dir must be
 *   reachable by it, and ordeal's state dir (under a 0700 home) is not
 */
export function runWorkDir(
  runId: string,
  runDir: string,
  policy: ExecPolicy,
  given?: string,
  otherUsers = false
): WorkDir {
  const user = policy.user
  const foreign = user !== undefined && user.uid !== process.getuid?.()
  if (given === undefined && !foreign && !otherUsers) {
    return { dir: runDir, remove: () => removeData(runDir) }
  }
  const made = given === undefined
  const dir = given ?? mkdtempSync(path.join(os.tmpdir(), `ordeal-${runId.slice(0, 40)}-`))
  if (foreign) {
    chownSync(dir, user.uid, user.gid)
  }
  if (foreign || made) {
    // 0711: services running as yet another user (`user: postgres`) reach their own data dir
    // through it, without listing what else is there.
    chmodSync(dir, 0o711)
  }
  return {
    dir,
    remove: () => (made ? rmSync(dir, { recursive: true, force: true }) : removeData(dir)),
  }
}

function removeData(dir: string): void {
  rmSync(path.join(dir, 'data'), { recursive: true, force: true })
}
