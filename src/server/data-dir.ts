/**
 * The Chaos Center's data directory (SQLite database, login state) is the server's alone:
 * mode 0700, files 0600, owned by the server's user. Created so, and tightened at every start,
 * since a directory made by an older version (or by hand) may be readable by every local user,
 * including the user experiments' commands run as.
 * @module
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'

export function secureDataDir(dir: string): void {
  makeDirs(path.resolve(dir))
  tighten(dir)
}

/**
 * `mkdir -p`, one component at a time. Node's recursive mkdir retries forever on a parent
 * that exists but cannot hold directories (`/proc/x` spins at full CPU), so it is not used for
 * a path a user typed.
 */
function makeDirs(dir: string): void {
  const parent = path.dirname(dir)
  if (parent !== dir && !existsSync(parent)) {
    makeDirs(parent)
  }
  try {
    mkdirSync(dir, { mode: 0o700 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error
    }
  }
}

/** 0700 for directories, 0600 for files, all the way down; symlinks are left alone. */
export function tighten(target: string): void {
  const stat = lstatSync(target)
  if (stat.isSymbolicLink()) {
    return
  }
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) {
      chmodSync(target, 0o700)
    }
    for (const name of readdirSync(target)) {
      tighten(path.join(target, name))
    }
  } else if ((stat.mode & 0o077) !== 0) {
    chmodSync(target, stat.mode & 0o600)
  }
}
