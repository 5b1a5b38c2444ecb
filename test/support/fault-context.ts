/**
 * A real FaultContext for driver tests: a real Ledger in a temporary ORDEAL state dir, real
 * detached target processes, a real AbortController, and a recording Supervisor double (the
 * real supervisor has its own tests). `cleanup()` undoes whatever the ledger still holds and
 * kills every process the harness started, so a failing test leaves nothing behind.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Ledger, type LedgerEntry, type UndoAction } from '../../src/safety/ledger.js'
import { executeUndo } from '../../src/safety/undo.js'
import type { TargetSelectorInput } from '../../src/experiment/schema-parts.js'
import type { FaultInput } from '../../src/experiment/schema.js'
import type { FaultContext } from '../../src/faults/contract.js'
import { selectTargetsFor } from '../../src/faults/select.js'
import { STRESS_MARKER } from '../../src/faults/stress/spawn.js'
import { isSameProcess, processStartTime } from '../../src/safety/proc.js'
import type { ReplicaInfo, Supervisor } from '../../src/platforms/local/supervisor.js'
import type { ProcessTarget } from '../../src/platforms/local/targets.js'
import { waitUntil } from './fault-proc.js'
import type { PreloadName } from '../../src/platforms/local/preload/contract.js'
import {
  preloadControlDir,
  preloadEnv,
  preloadsOf,
} from '../../src/platforms/local/preload/launch.js'

/** A target process the harness started. */
export interface SpawnedTarget extends ProcessTarget {
  child: ChildProcess
  exited: Promise<void>
  /** With `withChild`: a second process in the target's process group. */
  groupChildPid?: number
  /** With `preload`: its control dir, as the supervisor would make it. */
  controlDir?: string
}

/** A Ledger that lets a test look at each entry as it is recorded (before the fault acts). */
export class ObservedLedger extends Ledger {
  onRecord: ((entry: LedgerEntry) => void) | undefined

  override record(faultId: string, undo: UndoAction, deadline: number): LedgerEntry {
    const entry = super.record(faultId, undo, deadline)
    this.onRecord?.(entry)
    return entry
  }
}

/**
 * TEST DOUBLE of the Supervisor interface: records restartReplica calls and does nothing else.
 * The real LocalSupervisor is exercised in test/integration/platforms/local.
 */
export class RecordingSupervisorDouble implements Supervisor {
  readonly restarts: { service: string; index: number; graceMs: number }[] = []
  /** When set, restartReplica rejects with it (to test error reporting). */
  failWith: Error | undefined
  readonly #harness: FaultHarness

  constructor(harness: FaultHarness) {
    this.#harness = harness
  }

  async restartReplica(service: string, index: number, graceMs: number): Promise<void> {
    this.restarts.push({ service, index, graceMs })
    if (this.failWith) {
      throw this.failWith
    }
  }
  targets(service: string): ProcessTarget[] {
    return this.#harness.liveTargets().filter((t) => t.service === service)
  }
  preloadDir(service: string, replica: number): string {
    return preloadControlDir(this.#harness.baseDir, service, replica)
  }
  async prepare(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  templateVars() {
    return {}
  }
  replicas(_service: string): ReplicaInfo[] {
    return []
  }
  async waitForRestart(): Promise<void> {}
  launchedPids(): number[] {
    return []
  }
}

export class FaultHarness {
  readonly runId = `test-${process.pid}-${Date.now().toString(36)}`
  readonly actions: string[] = []
  readonly supervisor: RecordingSupervisorDouble = new RecordingSupervisorDouble(this)
  readonly ledger: ObservedLedger
  /** Temporary ORDEAL state dir holding the ledger. */
  readonly stateDir: string
  /** Temporary directory used as the manifest's directory (disk-fill writes here). */
  readonly baseDir: string
  readonly #targets: SpawnedTarget[] = []
  readonly #controllers: AbortController[] = []
  #faults = 0

  private constructor(stateDir: string, baseDir: string) {
    this.stateDir = stateDir
    this.baseDir = baseDir
    this.ledger = new ObservedLedger(this.runId, path.join(stateDir, 'ledgers'))
  }

  static async create(): Promise<FaultHarness> {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-state-'))
    const baseDir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-faults-'))
    return new FaultHarness(stateDir, baseDir)
  }

  /**
   * Starts an idle node process, detached (its own process group, as replicas are), as a
   * replica of `service` (default `api`) or as the attached process `attach`. `withChild` also
   * starts a second process inside the same group, to show group signalling reaches it.
   * `argv` runs that program instead of the idle node, with `env` added to the environment
   * (a preload's, as the launcher would give it) and its stdout in `stdoutFile`.
   * `preload` launches it as the supervisor launches a replica under those preloads (the real
   * launch hook: LD_PRELOAD, control variables, control files), running `program` (a script
   * file, with `env`) instead of the idle loop.
   */
  async spawnTarget(
    options: {
      service?: string
      replica?: number
      attach?: string
      withChild?: boolean
      argv?: string[]
      env?: Record<string, string>
      stdoutFile?: string
      preload?: PreloadName[]
      program?: string
    } = {}
  ): Promise<SpawnedTarget> {
    const idle = 'setInterval(() => {}, 1000)'
    const script = options.withChild
      ? `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(idle)}], { stdio: 'ignore' }); console.log(c.pid); ${idle}`
      : idle
    let env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
    let controlDir: string | undefined
    if (options.preload !== undefined) {
      const spec = { preload: options.preload }
      const service = options.service ?? 'api'
      const replica = options.replica ?? this.#targets.length + 1
      // The launch hook's own naming (`<dir>/preload/<service>-<replica>`): the fault checks it.
      const at = { service, replica, controlDir: preloadControlDir(this.baseDir, service, replica) }
      controlDir = at.controlDir
      mkdirSync(controlDir, { recursive: true })
      preloadsOf(spec).forEach((driver) => driver.setup?.(at))
      env = { ...env, ...preloadEnv(spec, at, options.env ?? {}) }
    }
    const [command, ...args] = options.argv ?? [
      process.execPath,
      ...(options.program !== undefined ? [options.program] : ['-e', script]),
    ]
    const out = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w')
    const child = spawn(command!, args, {
      detached: true,
      env,
      stdio: ['ignore', out ?? (options.withChild ? 'pipe' : 'ignore'), 'ignore'],
    })
    if (out !== undefined) {
      closeSync(out)
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.unref()
    const pid = child.pid!
    let groupChildPid: number | undefined
    if (options.withChild) {
      let out = ''
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
      groupChildPid = Number(await waitUntil('the group child pid', () => /^\d+\n/.exec(out)?.[0]))
      child.stdout!.destroy()
    }
    const service = options.attach === undefined ? (options.service ?? 'api') : undefined
    const replica =
      service === undefined ? undefined : (options.replica ?? this.#targets.length + 1)
    const target: SpawnedTarget = {
      label: service === undefined ? options.attach! : `${service}-${replica}`,
      pid,
      startTime: processStartTime(pid),
      groupLeader: true,
      service,
      replica,
      child,
      exited,
      groupChildPid,
      controlDir,
    }
    this.#targets.push(target)
    return target
  }

  /** Targets still running (a killed one drops out, as with a real supervisor mid-restart). */
  liveTargets(): SpawnedTarget[] {
    return this.#targets.filter((t) => isSameProcess(t.pid, t.startTime))
  }

  /** A fresh context (own fault id and AbortController) for `params`. */
  context<P extends FaultInput>(
    params: P,
    options: { durationMs?: number; deadline?: number; random?: () => number } = {}
  ): FaultContext<P> & { controller: AbortController } {
    const controller = new AbortController()
    this.#controllers.push(controller)
    const durationMs = options.durationMs ?? 60_000
    const id = `run.${this.#faults++}`
    return {
      runId: this.runId,
      fault: { id, type: params.type, afterMs: 0, durationMs, params },
      params,
      baseDir: this.baseDir,
      ledger: this.ledger,
      deadline: options.deadline ?? Date.now() + durationMs,
      selectTargets: async (selector: TargetSelectorInput) =>
        selectTargetsFor(selector, this.#candidates(selector), options.random),
      supervisor: this.supervisor,
      signal: controller.signal,
      recovery: () => undefined,
      action: (detail: string) => {
        this.actions.push(detail)
      },
      controller,
    }
  }

  /** Stress workers whose parent is this test process. */
  stressWorkers(parentPid = process.pid): number[] {
    return stressWorkerPids(parentPid)
  }

  /** Undoes what the ledger still holds, kills every target, removes the temporary dirs. */
  async cleanup(): Promise<void> {
    for (const controller of this.#controllers) {
      controller.abort()
    }
    for (const entry of this.ledger.pending()) {
      await executeUndo(entry.undo).catch(() => {})
    }
    for (const target of this.#targets) {
      for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(-target.pid, signal)
        } catch {
          // already gone
        }
      }
    }
    await waitUntil('the targets to exit', () =>
      this.#targets.every((t) => !isSameProcess(t.pid, t.startTime))
    )
    await rm(this.stateDir, { recursive: true, force: true })
    await rm(this.baseDir, { recursive: true, force: true })
  }

  #candidates(selector: TargetSelectorInput): ProcessTarget[] {
    return this.liveTargets().filter((t) =>
      selector.service !== undefined ? t.service === selector.service : t.label === selector.attach
    )
  }
}

/** Pids of live stress workers started by `parentPid` (argv: marker, mode, deadline, parent). */
export function stressWorkerPids(parentPid: number): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue
    }
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
      const at = argv.indexOf(STRESS_MARKER)
      if (at >= 0 && argv[at + 3] === String(parentPid) && isSameProcess(Number(name))) {
        pids.push(Number(name))
      }
    } catch {
      // gone while we looked
    }
  }
  return pids
}
