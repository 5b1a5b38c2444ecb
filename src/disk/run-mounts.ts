/**
 * The runner's hook for disk-faults: for each distinct `path` of the manifest's disk-faults,
 * after the data dirs exist and before any service starts, mount an ordeal-diskfs helper over
 * it (`--lazy` when a disk-fault on it has `powerLoss`); unmount after the services stopped.
 * Only when the manifest has a disk-fault: other runs are unchanged. Every undo is in the
 * ledger before the helper is spawned (its termination right at spawn, with its pid), under the
 * system's fault id: the watchdog or `ordeal recover` ends the helper and unmounts the
 * directory (only ordeal's mount of this run, mountinfo.ts) if the runner dies.
 * @module
 */
import { lstatSync, mkdtempSync, realpathSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { walkSteps, type Step } from '../experiment/model.js'
import type { FaultParamsOf } from '../faults/contract.js'
import type { Ledger } from '../safety/ledger.js'
import { stateDir } from '../safety/ledger.js'
import { processStartTime } from '../safety/proc.js'
import { readMountInfo } from '../safety/mountinfo.js'
import { RecordedUndos } from '../faults/recorded-undos.js'
import { packageRoot } from '../server/package-root.js'
import { renderTemplate, type TemplateVars } from '../shared/template.js'
import { diskfsUnavailable } from './helper-path.js'
import { startHelper, type RunningHelper } from './helper.js'
import { refusedMountPath } from './refused-paths.js'

/** The ledger's fault id for system objects (the supervisor's and the resolver's too). */
const SYSTEM = 'system'

/** How long a helper gets to unmount and exit after SIGTERM before it is killed. */
const kStopMs = 5_000

export interface DiskMount {
  /** The real path mounted over. */
  dir: string
  /** `ordeal-disk-<runId>-<n>`: the mount's source in /proc/self/mountinfo. */
  name: string
  socket: string
  lazy: boolean
}

const active = new Map<string, Map<string, DiskMount>>()

/** The mount of a run over `dir` (a real path) in this process, for the disk-fault driver. */
export function diskMountOf(runId: string, dir: string): DiskMount | undefined {
  return active.get(runId)?.get(dir)
}

type DiskFaultParams = FaultParamsOf<'disk-fault'>

/** Every disk-fault of the run's steps (capacity faults too). */
export function diskFaults(root: Step): DiskFaultParams[] {
  const found: DiskFaultParams[] = []
  for (const step of walkSteps(root)) {
    const fault =
      step.kind === 'fault'
        ? step.fault
        : step.kind === 'capacity'
          ? step.capacity.fault
          : undefined
    if (fault?.params.type === 'disk-fault') {
      found.push(fault.params)
    }
  }
  return found
}

/**
 * `path` as the run sees it: templates filled (`{{services.db.dataDir}}`), relative to the
 * manifest's directory. Throws a one-line error for an unknown template variable.
 */
export function resolveDiskPath(raw: string, baseDir: string, vars: TemplateVars): string {
  return path.resolve(baseDir, renderTemplate(raw, vars))
}

/**
 * The real path of `dir`, checked: an existing directory, not a symlink (lstat, no link
 * followed, after resolving its parents), not a refused place, and in a Chaos Center run owned
 * by one of `owners` (the run user, the services' users): the helper runs as root and mounts
 * over it, so a manifest's author must not pick a directory that is not theirs.
 */
export function checkMountDir(
  dir: string,
  own: { runDir: string; workDir: string; owners?: readonly number[] }
): string {
  let real: string
  try {
    real = path.join(realpathSync(path.dirname(dir)), path.basename(dir))
  } catch {
    throw new Error(`disk-fault path ${dir} does not exist`)
  }
  let info
  try {
    info = lstatSync(real)
  } catch {
    throw new Error(`disk-fault path ${dir} does not exist`)
  }
  if (info.isSymbolicLink()) {
    throw new Error(`disk-fault path ${dir} is a symlink: name the directory itself`)
  }
  if (!info.isDirectory()) {
    throw new Error(`disk-fault path ${dir} is not a directory`)
  }
  const refused = refusedMountPath(real, {
    stateDir: stateDir(),
    packageRoot: packageRoot(),
    runDir: own.runDir,
    workDir: own.workDir,
  })
  if (refused !== undefined) {
    throw new Error(`disk-fault cannot mount over ${real}: ${refused}`)
  }
  // A Chaos Center run mounts only inside its own work tree (its services' data dirs, what its
  // commands made there): not the run user's home, not a directory other runs share.
  const work = path.resolve(own.workDir)
  if (own.owners !== undefined && !real.startsWith(`${work}/`)) {
    throw new Error(
      `disk-fault path ${real} is outside this run's work dir (${work}): a Chaos Center run mounts only over its own directories, such as {{services.NAME.dataDir}}`
    )
  }
  if (own.owners !== undefined && !own.owners.includes(info.uid)) {
    throw new Error(
      `disk-fault path ${real} belongs to uid ${info.uid}, not to the run's user: a Chaos Center run mounts only over its own directories`
    )
  }
  const other = readMountInfo().find(
    (m) => m.mountPoint === real && m.source.startsWith('ordeal-disk-')
  )
  if (other !== undefined) {
    throw new Error(`disk-fault path ${real} is already mounted by ordeal (${other.source})`)
  }
  return real
}

export interface DiskMountsHandle {
  mounts: DiskMount[]
  /** Ends every helper (it unmounts), then makes sure nothing is left mounted; idempotent. */
  stop(): Promise<void>
}

export async function startDiskMounts(options: {
  runId: string
  ledger: Ledger
  deadline: number
  faults: readonly DiskFaultParams[]
  baseDir: string
  vars: TemplateVars
  seed: number
  runDir: string
  workDir: string
  /** A Chaos Center run (`--run-as`): the uids a directory may belong to. */
  owners?: readonly number[]
}): Promise<DiskMountsHandle> {
  const unavailable = diskfsUnavailable()
  if (unavailable !== undefined) {
    throw new Error(unavailable)
  }
  // One mount per directory; lazy when any disk-fault on it simulates a power loss.
  const wanted = new Map<string, { raw: string; lazy: boolean }>()
  for (const fault of options.faults) {
    let dir: string
    try {
      dir = resolveDiskPath(fault.path, options.baseDir, options.vars)
    } catch (error) {
      throw new Error(`disk-fault path '${fault.path}': ${(error as Error).message}`)
    }
    const real = checkMountDir(dir, options)
    const seen = wanted.get(real)
    wanted.set(real, {
      raw: fault.path,
      lazy: (seen?.lazy ?? false) || fault.powerLoss !== undefined,
    })
  }
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-disk-'))
  const undos = new RecordedUndos(options.ledger, SYSTEM, options.deadline)
  undos.record({
    kind: 'command',
    argv: ['rm', '-rf', '--', socketDir],
    label: `remove ${socketDir}`,
  })
  const mounts: DiskMount[] = []
  const helpers: RunningHelper[] = []
  const byDir = new Map<string, DiskMount>()
  active.set(options.runId, byDir)
  let stopped: Promise<void> | undefined
  const stop = async () => {
    active.delete(options.runId)
    for (const helper of helpers) {
      signal(helper.pid, 'SIGTERM')
    }
    // A ref'd timer: the helpers are unref'd, and an event loop with nothing else to wait for
    // would end the runner here (exit 13) before they are gone.
    await Promise.all(
      helpers.map(async (h) => {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          h.exited,
          new Promise((resolve) => (timer = setTimeout(resolve, kStopMs))),
        ])
        clearTimeout(timer)
      })
    )
    // Newest first: a helper still alive is killed, then its mount (if left) is detached.
    await undos.revert()
  }
  const handle = { mounts, stop: () => (stopped ??= stop()) }
  try {
    let n = 0
    for (const [dir, { lazy }] of wanted) {
      const name = `ordeal-disk-${options.runId}-${n}`
      const socket = path.join(socketDir, `${n}.sock`)
      undos.record({ kind: 'unmount', dir, source: name, label: `unmount ${name} from ${dir}` })
      const helper = await startHelper(
        {
          dir,
          socket,
          name,
          lazy,
          seed: (options.seed + n) % 2 ** 32,
          logFile: path.join(options.runDir, `diskfs-${n}.log`),
        },
        (pid) =>
          undos.record({
            kind: 'terminate',
            pid,
            startTime: processStartTime(pid),
            label: `ordeal-diskfs ${name} (pid ${pid})`,
          })
      )
      helpers.push(helper)
      const mount = { dir, name, socket, lazy }
      mounts.push(mount)
      byDir.set(dir, mount)
      n++
    }
  } catch (error) {
    await handle.stop().catch(() => undefined)
    throw error
  }
  return handle
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // gone
  }
}
