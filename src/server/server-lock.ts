/**
 * One Chaos Center per data directory: the server holds an exclusive flock(2) on
 * `<data>/server.lock` for its whole life, and writes its URL into the file once it listens.
 * The kernel drops the lock however the server ends (SIGKILL included), so a stale file never
 * blocks a restart. A second `ordeal server` on the same directory finds the lock held: it
 * refuses to start (it would mark the first one's runs interrupted and undo their faults), and
 * `--reset-login` instead issues a login link for the running server (issue 13 §5).
 * The lock itself is the run lock's (src/engine/run-lock.ts: flock through util-linux).
 * @module
 */
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tryLockLedger } from '../engine/run-lock.js'

export const LOCK_FILE = 'server.lock'

/** What a running server wrote into its lock file. */
export interface LockInfo {
  pid: number
  /** Absent while the server is still starting (it writes it once it listens). */
  url?: string
}

export interface ServerLock {
  /** Records the URL people reach the server at, for `--reset-login` from another process. */
  listening(url: string): void
  release(): void
}

/** Takes the data directory's lock, or answers who holds it. */
export function lockDataDir(dataDir: string): ServerLock | { heldBy: LockInfo } {
  const file = path.join(dataDir, LOCK_FILE)
  closeSync(openSync(file, 'a', 0o600))
  const lock = tryLockLedger(file)
  if (lock === 'held' || lock === 'gone') {
    return { heldBy: readInfo(file) }
  }
  writeInfo(file, { pid: process.pid })
  return {
    listening: (url) => writeInfo(file, { pid: process.pid, url }),
    release: () => lock.release(),
  }
}

/** The server running on this data directory, if one holds its lock. */
export function runningServer(dataDir: string): LockInfo | undefined {
  const file = path.join(dataDir, LOCK_FILE)
  const lock = tryLockLedger(file)
  if (lock === 'gone') {
    return undefined
  }
  if (lock === 'held') {
    return readInfo(file)
  }
  lock.release()
  return undefined
}

function writeInfo(file: string, info: LockInfo): void {
  // Written through another descriptor: the lock belongs to the one tryLockLedger opened.
  writeFileSync(file, `${JSON.stringify(info)}\n`, { mode: 0o600 })
}

function readInfo(file: string): LockInfo {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>
    return {
      pid: typeof info.pid === 'number' ? info.pid : 0,
      ...(typeof info.url === 'string' ? { url: info.url } : {}),
    }
  } catch {
    // Being written right now, or by a version that wrote nothing: the lock is what counts.
    return { pid: 0 }
  }
}
