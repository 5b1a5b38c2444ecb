/**
 * The undo of a disk-fault mount (ledger kind `unmount`): a lazy unmount of the directory, only
 * while the mount on top there is the one ordeal named. Lazy (`-l`): the mount's helper may be
 * dead (SIGKILLed with the runner: "Transport endpoint is not connected") or a process may
 * still hold a file open; a detach works in both cases and the backing directory is whole again.
 * @module
 */
import { runArgv } from './exec.js'
import { ownMountAt, readMountInfo } from './mountinfo.js'

/**
 * Unmounts `dir` while mount `source` is on top there; nothing when it is gone. Done only when
 * mountinfo says it is gone: a mount stacked over ours between the check and `umount` (by the
 * directory's owner, say) would be the one `umount` removed, so each round checks again, and a
 * few rounds that do not reach ours fail instead of saying done.
 */
export async function unmountOwn(dir: string, source: string): Promise<void> {
  for (let round = 0; round < kRounds; round++) {
    const where = ownMountAt(readMountInfo(), dir, source)
    if (where === 'absent') {
      return
    }
    if (where === 'covered') {
      throw new Error(
        `${source} at ${dir} is covered by a later mount; unmount that one first (not touching it)`
      )
    }
    const result = await runArgv(['umount', '--lazy', '--no-canonicalize', '--', dir])
    // Gone meanwhile (its helper unmounted it on SIGTERM) is as good as done: the next round sees.
    if (result.code !== 0 && ownMountAt(readMountInfo(), dir, source) === 'top') {
      throw new Error(`umount -l ${dir} exited ${result.code}: ${result.stderr.trim()}`)
    }
  }
  throw new Error(`${source} at ${dir} is still mounted after ${kRounds} unmounts`)
}

const kRounds = 3
