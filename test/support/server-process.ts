/**
 * Runs a real server for an integration test: detached in its own process group (so stop()
 * reaches every child it forks), output to a log file that failures quote, readiness by
 * polling a real condition with a bound.
 * @module
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ServerProcess {
  child: ChildProcess
  /** True once the process group leader has exited. */
  readonly exited: boolean
  /** The last lines of the server's output. */
  logTail(lines?: number): string
  /** Signals the whole group, waits for exit, and SIGKILLs whatever is left after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

export function spawnServer(
  command: string,
  args: string[],
  options: {
    logFile: string
    cwd?: string
    env?: NodeJS.ProcessEnv
    /** Removed if the test process exits without stop() (stop() callers remove it themselves). */
    tempDir?: string
  }
): ServerProcess {
  const log = openSync(options.logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    })
  } finally {
    closeSync(log)
  }
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      resolve()
    })
    child.once('error', () => {
      exited = true
      resolve()
    })
  })
  const pid = child.pid

  const killGroup = (signal: NodeJS.Signals | 0): boolean => {
    if (pid === undefined) {
      return false
    }
    try {
      process.kill(-pid, signal)
      return true
    } catch {
      return false // ESRCH: nothing left in the group
    }
  }

  // If the test process ends without calling stop() (a crash, an uncaught error), do not leave
  // the server running: 'exit' handlers must be synchronous, so SIGKILL is all we can do here.
  const onProcessExit = () => {
    killGroup('SIGKILL')
    if (options.tempDir) {
      rmSync(options.tempDir, { recursive: true, force: true })
    }
  }
  process.once('exit', onProcessExit)
  void exit.then(() => {
    if (!killGroup(0)) {
      process.off('exit', onProcessExit)
    }
  })

  return {
    child,
    get exited() {
      return exited
    },
    logTail(lines = 20) {
      try {
        return readFileSync(options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
      } catch {
        return ''
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      killGroup(signal)
      const deadline = Date.now() + graceMs
      // Wait for the leader, then for any member of the group still shutting down.
      while (Date.now() < deadline && (!exited || killGroup(0))) {
        await Promise.race([exit, sleep(50)])
      }
      killGroup('SIGKILL')
      await exit
      process.off('exit', onProcessExit)
    },
  }
}

/**
 * Polls `ready` every `intervalMs` until it returns true, failing after `timeoutMs` or as soon as
 * the server exits, with the server's log in the error.
 */
export async function waitUntil(
  what: string,
  server: ServerProcess,
  ready: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100 } = {}
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(`${what}: the server exited before it was ready\n${server.logTail()}`)
    }
    try {
      if (await ready()) {
        return
      }
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(intervalMs)
  }
  throw new Error(`${what}: not ready after ${timeoutMs}ms (${last})\n${server.logTail()}`)
}
