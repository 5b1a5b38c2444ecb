/**
 * The run's cgroup: every user command of a run (services, `cmd` probes, `cmd` readiness) is
 * started inside `<cgroup2 mount>/ordeal/<runId>`, and teardown, the watchdog and recovery kill
 * the whole cgroup. A process group is not enough: `setsid` or a double fork leaves it, and the
 * run user's processes would outlive the run (and, since runs share one uid, reach the next).
 * Leaving a cgroup needs write access to a common ancestor's `cgroup.procs`, which only root has,
 * so a command dropped to the run user cannot get out.
 *
 * Only cgroup v2 (no controller is needed for membership; `cgroup.kill` since Linux 5.14). Where
 * none is writable (ordeal not root, or no cgroup2 mounted), runs keep the process-group
 * teardown alone and say so.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { sleep } from '../shared/duration.js'
import type { Ledger, LedgerEntry } from './ledger.js'

/** A cgroup2 hierarchy: pure v2 at /sys/fs/cgroup, hybrid systems at /sys/fs/cgroup/unified. */
export function cgroup2Mounts(mountsText: string): string[] {
  const mounts: string[] = []
  for (const line of mountsText.split('\n')) {
    const [, mountPoint, fsType, options] = line.split(' ')
    if (fsType === 'cgroup2' && mountPoint && options?.split(',').includes('rw')) {
      mounts.push(unescapeMountPath(mountPoint))
    }
  }
  return mounts
}

/** /proc/self/mounts writes space, tab, newline and backslash as octal escapes. */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8))
  )
}

/** The first cgroup2 mount this process may create cgroups in, or undefined. */
export function writableCgroup2(mountsFile = '/proc/self/mounts'): string | undefined {
  let text: string
  try {
    text = readFileSync(mountsFile, 'utf8')
  } catch {
    return undefined
  }
  return cgroup2Mounts(text).find((mount) => {
    try {
      accessSync(mount, constants.W_OK)
      return true
    } catch {
      return false
    }
  })
}

/** Where the run `runId` gets its cgroup under `mount`. */
export function runCgroupPath(mount: string, runId: string): string {
  return path.join(mount, 'ordeal', runId)
}

/** Creates the run's cgroup (its parent `ordeal` too). Record its undo in the ledger first. */
export function createCgroup(dir: string): void {
  mkdirSync(path.dirname(dir), { recursive: true })
  mkdirSync(dir)
}

/**
 * `argv` started inside the cgroup `dir`: a shell writes its own pid to `cgroup.procs`, then
 * execs the rest, so the command (and all it forks) is in the cgroup from its first instruction
 * and keeps the pid ordeal records. Goes outermost: before the privilege drop (the run user may
 * not join) and outside `ip netns exec`, which mounts a fresh /sys with no cgroup in it. The path
 * is passed as `$0`, never pasted into the script. If joining fails the command does not start.
 */
export function joinCgroupArgv(dir: string, argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', path.join(dir, 'cgroup.procs'), ...argv]
}

// Processes of a cgroup are no children of ours: polling is the only way to see them gone.
const kPollMs = 20
/** Upper bound for a killed cgroup to empty (a process in D state may take a moment). */
const kKillWaitMs = 5000

/**
 * Kills every process of the cgroup `dir` and removes it. Idempotent: a cgroup already gone is
 * success. `cgroup.kill` kills atomically, forks included; without it (Linux < 5.14) every pid
 * in `cgroup.procs` gets SIGKILL until none is left. Throws if it cannot be emptied in time.
 */
export async function killCgroup(
  dir: string,
  options: { waitMs?: number; /** false: as without cgroup.kill (tests) */ killFile?: boolean } = {}
): Promise<void> {
  const { waitMs = kKillWaitMs, killFile = true } = options
  const deadline = Date.now() + waitMs
  for (;;) {
    const pids = readPids(dir)
    if (pids === undefined) {
      return // gone
    }
    if (pids.length > 0 && !(killFile && writeKill(dir))) {
      for (const pid of pids) {
        killPid(pid)
      }
    }
    if (pids.length === 0 && tryRmdir(dir)) {
      return
    }
    if (Date.now() >= deadline) {
      throw new Error(`cgroup ${dir} still has processes ${pids.join(', ')} after SIGKILL`)
    }
    await sleep(kPollMs)
  }
}

function readPids(dir: string): number[] | undefined {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined
    }
    throw error
  }
}

function writeKill(dir: string): boolean {
  try {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1')
    return true
  } catch {
    return false
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** False while the cgroup is still busy (its last processes exiting). */
function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      return true
    }
    if (code === 'EBUSY') {
      return false
    }
    throw error
  }
}

/**
 * Throws unless a process can join `dir` (a container may let us mkdir but not move processes):
 * better to find out here than to have every command of the run fail to start.
 */
function canJoin(dir: string): void {
  const [command, ...args] = joinCgroupArgv(dir, ['true'])
  const result = spawnSync(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  if (result.status !== 0) {
    throw new Error(result.stderr?.toString().trim() || `joining it exited ${result.status}`)
  }
}

/** The run's cgroup once made, or why the run goes without one (said once in its output). */
export type RunCgroup = { dir: string; entry: LedgerEntry } | { unavailable: string }

/**
 * Makes the run's cgroup, its undo recorded (and fsynced) in `ledger` first, so the watchdog
 * and recovery kill what is in it even if this process dies the next instant.
 */
export function openRunCgroup(
  runId: string,
  ledger: Ledger,
  faultId: string,
  deadline: number,
  /** Where to make it: {@link writableCgroup2}; undefined when there is none. */
  mount: string | undefined
): RunCgroup {
  if (mount === undefined) {
    return {
      unavailable:
        'no writable cgroup2 mount (ordeal is not root, or none is mounted): processes that leave their process group (setsid, double fork) may outlive the run',
    }
  }
  const dir = runCgroupPath(mount, runId)
  const entry = ledger.record(
    faultId,
    { kind: 'remove-cgroup', path: dir, label: `the run's cgroup ${dir}` },
    deadline
  )
  try {
    createCgroup(dir)
    canJoin(dir)
  } catch (error) {
    try {
      rmdirSync(dir)
    } catch {
      // never made
    }
    ledger.markUndone(entry.id, 'not created')
    return {
      unavailable: `could not create cgroup ${dir} (${(error as Error).message}): processes that leave their process group (setsid, double fork) may outlive the run`,
    }
  }
  return { dir, entry }
}
