/**
 * One `ordeal agent` process inside a host of the fleet (test/support/fleet.ts): started with
 * `ip netns exec` in its own process group, its output kept in memory and in a log file, lines
 * awaited instead of slept for. A test process that exits without stopping it kills its group.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { cliPath, repoRoot } from './cli.js'

export interface AgentProcess {
  name: string
  host: string
  pid: number
  stateDir: string
  child: ChildProcess
  /** stdout and stderr so far (also in `logFile`). */
  output(): string
  stdout(): string
  stderr(): string
  logFile: string
  /** Resolves when the agent process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first match in stdout+stderr; fails on timeout or exit without it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** SIGKILL to the agent process alone: its run process is left to notice by itself. */
  kill9(): Promise<void>
  /** SIGTERM (graceful: runs aborted and rolled back), then SIGKILL to the group after 20 s. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function spawnInHost(
  ns: string,
  host: string,
  name: string,
  stateDir: string,
  argv: string[],
  options: { logFile: string; env: NodeJS.ProcessEnv }
): AgentProcess {
  // `ip netns exec` execs node in place: the child's pid is the agent's.
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, cliPath, 'agent', ...argv], {
    cwd: repoRoot,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log = createWriteStream(options.logFile, { flags: 'a' })
  let stdout = ''
  let stderr = ''
  let out = ''
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((w) => w())
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString()
    out += d.toString()
    log.write(d)
    notify()
  })
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
    out += d.toString()
    log.write(d)
    notify()
  })
  let done = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      done = true
      log.end()
      resolve({ code, signal })
      notify()
    })
  })
  const pid = child.pid!
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // nothing left in the group
    }
  }
  const onProcessExit = () => killGroup('SIGKILL')
  process.once('exit', onProcessExit)
  void exited.then(() => process.off('exit', onProcessExit))

  return {
    name,
    host,
    pid,
    stateDir,
    child,
    logFile: options.logFile,
    exited,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out)
          if (m) {
            cleanup()
            resolve(m)
          } else if (done) {
            cleanup()
            reject(new Error(`agent ${name} exited without ${pattern}:\n${out}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`agent ${name}: no ${pattern} within ${timeoutMs} ms:\n${out}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    async kill9() {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
      await exited
    },
    async stop(signal = 'SIGTERM') {
      if (!done) {
        try {
          process.kill(pid, signal)
        } catch {
          // gone
        }
      }
      const timer = setTimeout(() => killGroup('SIGKILL'), 20_000)
      const result = await exited
      clearTimeout(timer)
      // Anything the agent left in its group (its run process) goes with it.
      killGroup('SIGKILL')
      return result
    },
  }
}
