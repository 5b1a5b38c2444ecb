/**
 * Starts the built CLI as a process-group leader (so a test can `kill -9` the runner and its
 * whole group) and lets a test await a line of its output instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cliPath } from './cli.js'

export interface RunnerProcess {
  child: ChildProcess
  /** Resolves with the first match of `pattern` in stdout (fails after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** SIGKILL to the runner's process group, as `kill -9 -pgid` would. */
  killGroup(): void
  exited: Promise<void>
  output(): string
}

export function startRunner(
  args: string[],
  options: { cwd: string; env: Record<string, string> }
): RunnerProcess {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  const waiters: (() => void)[] = []
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    waiters.forEach((w) => w())
  })
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    exited,
    output: () => out,
    killGroup() {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    },
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out)
          if (m) {
            clearTimeout(timer)
            waiters.splice(waiters.indexOf(check), 1)
            resolve(m)
          }
        }
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} in output:\n${out}`)),
          timeoutMs
        )
        waiters.push(check)
        void exited.then(() =>
          setTimeout(
            () =>
              !pattern.test(out) && reject(new Error(`runner exited without ${pattern}:\n${out}`)),
            50
          )
        )
        check()
      })
    },
  }
}

/** Polls a real condition (process states, files) until it holds; returns how long it took. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`condition not met within ${timeoutMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  return Date.now() - started
}
