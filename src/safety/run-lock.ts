/**
 * The live-run lock (issue 12 §3b): a run holds an exclusive `flock` on its own ledger file
 * from before the file has a name until the run and its watchdog are both gone. Recovery
 * (`ordeal recover`, start-up recovery, the leftover warning) touches a ledger only when it can
 * take that lock itself, so it never undoes what a live run still holds.
 *
 * Why flock(2), and why through util-linux's flock(1):
 * - flock locks the open file description, not the process. The kernel drops the lock when the
 *   last descriptor referring to it is closed, which a SIGKILL, an OOM kill or a cgroup kill
 *   does as surely as a clean exit: no stale pid file, no heartbeat to time out.
 * - The watchdog inherits the descriptor (its fd 3), so it shares the one lock: the lock is
 *   held while the runner *or* its watchdog lives, which is exactly "someone is still in charge
 *   of this ledger".
 * - Node has no flock API. `flock -xn 3` run on a duplicate of our descriptor locks the shared
 *   description and exits; the lock stays because we still hold the description open. That
 *   costs one short process per lock or check, and util-linux is part of every Debian/Ubuntu
 *   base system. A native module (fs-ext) needs a compiler at install time for one syscall;
 *   an abstract unix socket is scoped to a network namespace and cannot be tied to the ledger
 *   file a recovery tool finds on disk.
 *
 * A command the watchdog runs to undo (`ip`, `iptables`) inherits fd 3 too (Node cannot mark
 * an inherited descriptor close-on-exec), so the lock is also held while such a command runs:
 * still "someone of this run is acting", and it lasts milliseconds. The runner's own children
 * never get it (Node opens files close-on-exec; only flock(1) is handed the descriptor).
 *
 * The lock is taken on a temporary name and the file renamed into place, so a ledger never
 * exists under its real name unlocked while its run lives.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, openSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

/** A held lock; `release` closes our descriptor (the watchdog may still hold the lock). */
export interface RunLock {
  readonly fd: number
  release(): void
}

/** flock(1) reports a lock held elsewhere with this status under `-n`; errors are >= 64. */
const kConflict = 1

/**
 * Creates `ledgerFile` already locked by this process. Throws when flock(1) is missing or the
 * file cannot be created: a run must not start without its lock.
 */
export function createLockedLedger(ledgerFile: string): RunLock {
  const temp = path.join(
    path.dirname(ledgerFile),
    `.${path.basename(ledgerFile)}.${randomBytes(4).toString('hex')}.new`
  )
  const fd = openSync(temp, 'a', 0o600)
  try {
    if (flockNonBlocking(fd) !== 'locked') {
      throw new Error(`could not lock ${temp}: held by another process`)
    }
    renameSync(temp, ledgerFile)
  } catch (error) {
    closeSync(fd)
    rmSync(temp, { force: true })
    throw error
  }
  return lockOf(fd)
}

/**
 * Takes the lock of a ledger some other process may hold.
 * @returns the lock (its run is dead), 'held' (its run or watchdog is alive), or 'gone' (no file)
 */
export function tryLockLedger(ledgerFile: string): RunLock | 'held' | 'gone' {
  const fd = openLedger(ledgerFile)
  if (fd === 'gone') {
    return 'gone'
  }
  try {
    if (flockNonBlocking(fd) === 'held') {
      closeSync(fd)
      return 'held'
    }
  } catch (error) {
    closeSync(fd)
    throw error
  }
  return lockOf(fd)
}

/**
 * Takes the lock of a ledger, waiting up to `timeoutMs` for its holder to let go (the kernel
 * wakes flock(1) the moment the last holder closes it: no polling).
 * @returns the lock, 'held' when still held after `timeoutMs`, or 'gone' (no file)
 */
export async function lockLedgerWaiting(
  ledgerFile: string,
  timeoutMs: number
): Promise<RunLock | 'held' | 'gone'> {
  const fd = openLedger(ledgerFile)
  if (fd === 'gone') {
    return 'gone'
  }
  const seconds = (Math.max(0, timeoutMs) / 1000).toFixed(3)
  const status = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('flock', ['--exclusive', '--timeout', seconds, '3'], {
      stdio: ['ignore', 'ignore', 'ignore', fd],
    })
    child.once('error', reject)
    child.once('exit', (code) => resolve(code))
  }).catch((error: unknown) => {
    closeSync(fd)
    throw error
  })
  if (status === 0) {
    return lockOf(fd)
  }
  closeSync(fd)
  if (status === kConflict) {
    return 'held'
  }
  throw new Error(`flock(1) exited ${status} waiting for ${ledgerFile}`)
}

/** True while the run owning `ledgerFile` (its runner or its watchdog) is alive. */
export function isLedgerLive(ledgerFile: string): boolean {
  const lock = tryLockLedger(ledgerFile)
  if (typeof lock === 'string') {
    return lock === 'held'
  }
  lock.release()
  return false
}

function lockOf(fd: number): RunLock {
  let open = true
  return {
    fd,
    release() {
      if (open) {
        open = false
        closeSync(fd)
      }
    },
  }
}

function flockNonBlocking(fd: number): 'locked' | 'held' {
  // The descriptor becomes flock's fd 3: the same open file description as ours.
  const r = spawnSync('flock', ['--exclusive', '--nonblock', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  })
  if (r.error) {
    throw new Error(`flock(1) from util-linux is needed for the run lock: ${r.error.message}`)
  }
  if (r.status === 0) {
    return 'locked'
  }
  if (r.status === kConflict) {
    return 'held'
  }
  throw new Error(`flock(1) exited ${r.status}: ${r.stderr.toString().trim()}`)
}

/** A descriptor on the ledger to lock, or 'gone' when it no longer exists. */
function openLedger(ledgerFile: string): number | 'gone' {
  try {
    return openSync(ledgerFile, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return 'gone'
    }
    throw error
  }
}
