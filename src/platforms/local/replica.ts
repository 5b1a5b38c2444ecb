/**
 * One spawned generation of a replica: the child process, its exit, its output lines.
 * The supervisor decides what happens around it (readiness, restart, teardown).
 * @module
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { processStartTime } from '../../safety/proc.js'
import { pipeLines } from './log-prefix.js'
import type { ExitInfo } from './restart-policy.js'

/** A replica's spawn as the exec policy built it: program, argv, whole environment, cwd. */
export interface ReplicaSpawn {
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd: string
}

/** Why ordeal itself ended this process; set before the first signal so the exit is `expected`. */
export type StopReason = 'stop' | 'restart'

export class ReplicaProcess {
  readonly pid: number
  readonly startTime: number | undefined
  /** ms since the epoch, for the backoff reset. */
  readonly startedAt = Date.now()
  readonly exited: Promise<ExitInfo>
  /** Both output streams ended (all lines delivered); may lag `exited` or never come. */
  readonly outputClosed: Promise<void>
  stopReason: StopReason | undefined
  exit: ExitInfo | undefined

  private constructor(pid: number, exited: Promise<ExitInfo>, outputClosed: Promise<void>) {
    this.pid = pid
    this.startTime = processStartTime(pid)
    this.exited = exited.then((exit) => (this.exit = exit))
    this.outputClosed = outputClosed
  }

  /**
   * Spawns synchronously, so the caller records the process before anything else can interleave.
   * Throws when the program cannot be started.
   */
  static spawn(launch: ReplicaSpawn, onLine: (line: string) => void): ReplicaProcess {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      // Own process group: Ctrl+C in ordeal's terminal does not reach it, and teardown can
      // signal the whole group, grandchildren included.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Without a listener, a late 'error' (e.g. a failed kill) would crash ordeal.
    child.on('error', () => {})
    if (child.pid === undefined) {
      const why = existsSync(launch.cwd)
        ? 'command not found or not executable'
        : `working directory ${launch.cwd} does not exist`
      throw new Error(`cannot run '${launch.command}': ${why}`)
    }
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }))
    })
    const outputClosed = Promise.all([
      child.stdout ? pipeLines(child.stdout, onLine) : undefined,
      child.stderr ? pipeLines(child.stderr, onLine) : undefined,
    ]).then(() => undefined)
    return new ReplicaProcess(child.pid, exited, outputClosed)
  }

  get alive(): boolean {
    return this.exit === undefined
  }
}
