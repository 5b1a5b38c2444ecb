/**
 * An `ordeal agent --watch-workloads` process (the built CLI) for the workload-watch tests:
 * its output kept in memory, lines awaited instead of slept for, SIGTERM to stop it.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cliPath, repoRoot } from './cli.js'

export interface WatchingAgent {
  child: ChildProcess
  output(): string
  /** Resolves with the first match after `from` (an index into output()). */
  waitFor(
    pattern: RegExp,
    options?: { timeoutMs?: number; from?: number }
  ): Promise<RegExpExecArray>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface WatchingAgentOptions {
  server: string
  /** The agent token's secret. */
  token: string
  dir: string
  name: string
  kubeconfig?: string
  args?: string[]
  env?: NodeJS.ProcessEnv
}

export function startWatchingAgent(o: WatchingAgentOptions): WatchingAgent {
  const tokenFile = path.join(o.dir, `${o.name}.token`)
  writeFileSync(tokenFile, `${o.token}\n`, { mode: 0o600 })
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'agent',
      '--server',
      o.server,
      '--token-file',
      tokenFile,
      '--run-as',
      os.userInfo().username,
      '--state-dir',
      path.join(o.dir, `state-${o.name}`),
      ...(o.kubeconfig !== undefined ? ['--kubeconfig', o.kubeconfig] : []),
      '--watch-workloads',
      ...(o.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: o.env ?? { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', HTTPS_PROXY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  let out = ''
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((w) => w())
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), notify()))
  child.stderr!.on('data', (d: Buffer) => ((out += d.toString()), notify()))
  let done = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      done = true
      resolve({ code, signal })
      notify()
    })
  )
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  void exited.then(() => process.off('exit', kill))
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, { timeoutMs = 60_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out.slice(from))
          if (m) {
            cleanup()
            resolve(m)
          } else if (done) {
            cleanup()
            reject(new Error(`agent exited without ${pattern}:\n${out}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    async stop() {
      if (!done) {
        child.kill('SIGTERM')
        const timer = setTimeout(kill, 20_000)
        const result = await exited
        clearTimeout(timer)
        return result
      }
      return exited
    },
  }
}
