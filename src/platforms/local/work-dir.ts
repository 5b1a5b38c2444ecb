/**
 * A run's work dir: where user-supplied commands work (services' data dirs under `data/`).
 * When they run as ordeal's own user it is the run's state dir, as it always was. When another
 * user is involved (the run user, a service's `user:`), it is a private tree under the system
 * temp dir that ordeal (root) builds so that it never has to follow a path the other user could
 * have changed:
 *
 *     /tmp/ordeal-<name>-XXXXXX/   root, 0711   the manifest copy (server runs) lives here
 *       work/                      run user, 0711  the commands' cwd and fallback HOME
 *       data/                      root, 0711
 *         <service>-<i>/           the service's user, 0700
 *
 * Only the leaves are handed over (made by root in a root-owned dir, then `lchown`), and root
 * never writes, chmods or chowns inside a leaf by path afterwards. Leaves are emptied by their
 * owner (`find -delete` under `setpriv`), then root removes the skeleton with non-following
 * calls. A process of the run user that outlives the run can therefore not make root write,
 * chown or delete anything through a planted symlink.
 * @module
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unpackBundle } from '../../experiment/bundle.js'
import type { ExecPolicy } from './exec-policy.js'
import type { RunUser } from './run-user.js'

export interface WorkDir {
  dir: string
  /** The commands' own writable dir (their HOME when theirs does not exist). */
  home: string
  /** Removes what the run's commands wrote (and the dir itself when the run made it). */
  remove(): void
}

/** The leaf of a private tree handed to the run user: its cwd and fallback HOME. */
export const WORK_LEAF = 'work'

/** True when commands run as a user other than ordeal's own. */
export function isForeign(user: RunUser | undefined): user is RunUser {
  return user !== undefined && user.uid !== process.getuid?.()
}

/**
 * A private tree under the system temp dir (see the module doc): root-owned `dir` (0711), and
 * when the run user is not ordeal's own, its `work/` leaf. `remove()` takes all of it away.
 */
export function privateWorkTree(
  name: string,
  policy: ExecPolicy,
  /** The caller fills `work/` and hands it over itself (a bundle: unpackBundle's `owner`). */
  leafLater = false
): WorkDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ordeal-${name.slice(0, 40)}-`))
  // 0711: services running as yet another user (`user: postgres`) reach their own data dir
  // through it, without listing what else is there.
  chmodSync(dir, 0o711)
  const user = policy.user
  let home = dir
  if (isForeign(user)) {
    home = path.join(dir, WORK_LEAF)
    if (!leafLater) {
      makeLeaf(home, user, 0o711)
    }
  }
  return { dir, home, remove: () => removeTree(dir) }
}

/**
 * Unpacks a run's bundle into the `work/` leaf of a tree made with `leafLater` (the manifest
 * copy at the tree's top cannot collide with a bundled file of the same name), and returns the
 * leaf. The leaf is made here, root's and 0700, and handed to the run user only once every file
 * is in (unpackBundle's `owner`): a process of the run user (another run's service) can list
 * /tmp and reach the tree, so a leaf it owned during the unpack would let it plant symlinks
 * that root follows.
 */
export async function unpackWorkLeaf(
  tree: Pick<WorkDir, 'dir'>,
  bundle: string,
  user: RunUser | undefined
): Promise<string> {
  const into = path.join(tree.dir, WORK_LEAF)
  if (isForeign(user)) {
    await unpackBundle(bundle, into, { owner: { uid: user.uid, gid: user.gid }, mode: 0o711 })
  } else {
    await unpackBundle(bundle, into)
  }
  return into
}

/**
 * @param given a tree made by {@link privateWorkTree} (the Chaos Center's run process, which
 *   needs its `work/` before loading the manifest); its maker removes it, this only its `data/`
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
  if (given !== undefined) {
    const home = isForeign(policy.user) ? path.join(given, WORK_LEAF) : given
    return { dir: given, home, remove: () => removeTree(path.join(given, 'data')) }
  }
  if (!isForeign(policy.user) && !otherUsers) {
    return { dir: runDir, home: runDir, remove: () => removeTree(path.join(runDir, 'data')) }
  }
  return privateWorkTree(runId, policy)
}

/**
 * Makes `dir` (its parent must exist and be ordeal's, not writable by `user`) and hands it to
 * `user` with `mode`. Fails if anything is already there: a planted symlink is never followed.
 */
export function makeLeaf(dir: string, user: RunUser | undefined, mode: number): void {
  mkdirSync(dir, { mode: 0o700 })
  // Still ours, in a dir only we can write: nothing can have replaced it yet.
  chmodSync(dir, mode)
  if (isForeign(user)) {
    lchownSync(dir, user.uid, user.gid)
  }
}

/**
 * Makes `dir` for ordeal itself, or accepts one already there that is a real dir of ours (not a
 * symlink, not another user's).
 */
export function makeOwnDir(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode })
    chmodSync(dir, mode)
  } catch (error) {
    const info = lstatSync(dir, { throwIfNoEntry: false })
    const ours = info?.isDirectory() === true && info.uid === process.getuid?.()
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !ours) {
      throw error
    }
  }
}

/**
 * Removes `target` without following any symlink: ordeal's own dirs entry by entry, another
 * user's dir emptied as that user, then the dir itself. What that user cannot remove (it keeps
 * writing there) is left behind.
 */
export function removeTree(target: string): void {
  const info = lstatSync(target, { throwIfNoEntry: false })
  if (info === undefined) {
    return
  }
  if (!info.isDirectory()) {
    unlinkSync(target)
    return
  }
  if (info.uid !== process.getuid?.()) {
    emptyAs(info.uid, info.gid, target)
  } else {
    for (const name of readdirSync(target)) {
      removeTree(path.join(target, name))
    }
  }
  try {
    rmdirSync(target)
  } catch {
    // Not empty: a process of that user is still writing there. Leave it rather than follow.
  }
}

/**
 * Deletes what is inside `dir` as `uid:gid` with no supplementary groups: whatever symlinks
 * that user planted, it only ever removes what it could remove itself.
 */
function emptyAs(uid: number, gid: number, dir: string): void {
  spawnSync(
    'setpriv',
    [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      '--',
      'find',
      dir,
      '-mindepth',
      '1',
      '-delete',
    ],
    // `find` returns to its starting dir, which must be one that user can enter.
    { stdio: 'ignore', cwd: '/' }
  )
}
