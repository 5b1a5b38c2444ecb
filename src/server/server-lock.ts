/**
 * One Chaos Center per data directory: the server holds an exclusive flock(2) on
 * `<data>/server.lock` for its whole life, and writes into the file which store it serves and,
 * once it listens, its URL. The kernel drops the lock however the server ends (SIGKILL
 * included), so a stale file never blocks a restart. A second `ordeal server` on the same
 * directory finds the lock held: it refuses to start (it would mark the first one's runs
 * interrupted and undo their faults), and `--reset-login` instead issues a login link for the
 * running server (issue 13 §5), in the store the lock names (reset-login.ts).
 * On PostgreSQL what matters is one server per *database* (two hosts, or two data directories,
 * can share a DATABASE_URL): the store holds an advisory lock for that
 * (`Store.holdServerLock`), and this file lock keeps the data directory's ledgers to one server.
 *
 * The file is opened once, without following a symlink, and must be a regular file owned by
 * us: a data directory writable by someone else must not get a root server to truncate
 * whatever a planted `server.lock` symlink points at. Locked and written through that one
 * descriptor. Like the run lock (src/safety/run-lock.ts), flock goes through util-linux's
 * flock(1), handed our descriptor.
 * @module
 */
import { spawnSync } from 'node:child_process'
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { isPostgresUrl, redactUrl } from './store/open.js'

export const LOCK_FILE = 'server.lock'

/**
 * How long a starting server waits for the lock before it says another one runs: a
 * `--reset-login` probe holds it (shared) for milliseconds, a server for its life.
 */
const START_WAIT_SECONDS = 3

/** What a running server wrote into its lock file. */
export interface LockInfo {
  pid: number
  /** The store it serves: `sqlite`, or its PostgreSQL URL without the password. */
  store?: string
  /** Absent while the server is still starting (it writes it once it listens). */
  url?: string
}

export interface ServerLock {
  /** Records the URL people reach the server at, for `--reset-login` from another process. */
  listening(url: string): void
  release(): void
}

/** The store as the lock file names it: what `--reset-login` compares with its own options. */
export function storeIdentity(databaseUrl: string | undefined): string {
  return isPostgresUrl(databaseUrl) ? redactUrl(databaseUrl) : 'sqlite'
}

/** Takes the data directory's lock, or answers who holds it. */
export function lockDataDir(dataDir: string, store: string): ServerLock | { heldBy: LockInfo } {
  const file = path.join(dataDir, LOCK_FILE)
  const fd = openOwn(file, constants.O_RDWR | constants.O_CREAT)
  try {
    // A file left by an older version may have been created with another mode.
    fchmodSync(fd, 0o600)
    if (flock(fd, ['--exclusive', '--timeout', String(START_WAIT_SECONDS)]) === 'held') {
      const heldBy = readInfo(fd)
      closeSync(fd)
      return { heldBy }
    }
    writeInfo(fd, { pid: process.pid, store })
  } catch (error) {
    closeSync(fd)
    throw error
  }
  let open = true
  return {
    listening: (url) => writeInfo(fd, { pid: process.pid, store, url }),
    release: () => {
      if (open) {
        open = false
        closeSync(fd)
      }
    },
  }
}

/**
 * The server running on this data directory, if one holds its lock. Probes with a shared lock,
 * so two probes never take each other for a server; a server starting meanwhile waits for it
 * (START_WAIT_SECONDS) instead of refusing.
 */
export function runningServer(dataDir: string): LockInfo | undefined {
  const file = path.join(dataDir, LOCK_FILE)
  let fd: number
  try {
    fd = openOwn(file, constants.O_RDONLY)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined
    }
    throw error
  }
  try {
    return flock(fd, ['--shared', '--nonblock']) === 'held' ? readInfo(fd) : undefined
  } finally {
    closeSync(fd)
  }
}

/**
 * Opens `file` without following a symlink, and checks it is a regular file of this user
 * (root's server must not write through a file another user planted).
 */
function openOwn(file: string, flags: number): number {
  let fd: number
  try {
    fd = openSync(file, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new Error(`${file} is a symbolic link; remove it (the server creates its own)`)
    }
    throw error
  }
  const stat = fstatSync(fd)
  const euid = process.geteuid?.() ?? stat.uid
  if (!stat.isFile() || stat.uid !== euid) {
    closeSync(fd)
    throw new Error(
      `${file} is ${stat.isFile() ? `owned by uid ${stat.uid}, not ${euid}` : 'not a regular file'}; remove it (the server creates its own)`
    )
  }
  return fd
}

/** flock(1) on our descriptor (its fd 3): 'locked', or 'held' by someone else. */
function flock(fd: number, mode: string[]): 'locked' | 'held' {
  const r = spawnSync('flock', [...mode, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] })
  if (r.error) {
    throw new Error(`flock(1) from util-linux is needed for the server lock: ${r.error.message}`)
  }
  if (r.status === 0) {
    return 'locked'
  }
  // 1: held elsewhere (with --nonblock), or still held when --timeout ran out.
  if (r.status === 1) {
    return 'held'
  }
  throw new Error(`flock(1) exited ${r.status}: ${r.stderr.toString().trim()}`)
}

function writeInfo(fd: number, info: LockInfo): void {
  ftruncateSync(fd, 0)
  writeSync(fd, `${JSON.stringify(info)}\n`, 0)
}

function readInfo(fd: number): LockInfo {
  try {
    const buffer = Buffer.alloc(Math.min(fstatSync(fd).size, 64 * 1024))
    const info = JSON.parse(
      buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8')
    ) as Partial<LockInfo>
    return {
      pid: typeof info.pid === 'number' ? info.pid : 0,
      ...(typeof info.store === 'string' ? { store: info.store } : {}),
      ...(typeof info.url === 'string' ? { url: info.url } : {}),
    }
  } catch {
    // Being written right now, or by a version that wrote nothing: the lock is what counts.
    return { pid: 0 }
  }
}
