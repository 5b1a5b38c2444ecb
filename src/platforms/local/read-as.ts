/**
 * Text files a manifest names that ordeal itself reads (a check's `file` source) are read with
 * the run user's rights, not the run process's (root): otherwise an editor could list
 * `/etc/shadow` as "unexpected ids" in a check's findings, or read the Chaos Center's own
 * database, and every viewer would see it in the journal. The read itself happens as the run
 * user (`cat` through the exec policy), so no symlink swapped after a check can redirect it.
 * SQL databases go the same way through `../probes/sql/query-as.ts`.
 * @module
 */
import { collectChild } from './collect-child.js'
import type { Launcher } from './exec-policy.js'

/** Output of a file read as the run user; ids files are small, a bound keeps a mistake cheap. */
const kMaxReadBytes = 64 * 1024 * 1024

/**
 * `file`'s text, read as the run user when commands run as another user; undefined when they
 * run as ordeal's own user, and the caller reads the file directly (same rights, faster).
 */
export async function readTextAs(
  launch: Launcher | undefined,
  file: string,
  signal?: AbortSignal
): Promise<string | undefined> {
  if (launch?.foreignUser === undefined) {
    return undefined
  }
  const { code, stdout, stderr } = await collectChild(launch(['cat', '--', file]), {
    maxBytes: kMaxReadBytes,
    ...(signal ? { signal } : {}),
  })
  if (code !== 0) {
    throw new Error(stderr.trim() || `${file}: not readable by the run user`)
  }
  return stdout
}
