/**
 * The CTK `process` provider: runs `path` with `arguments` (a string goes through the shell as
 * `"<path> <arguments>"`, a list is argv without null/"" items, a mapping is flattened), with
 * the environment inherited, and returns `{status, stdout, stderr}`. A non-zero exit is not a
 * failure (only a tolerance judges it); a timeout is, and kills the whole process group so a
 * shell's children do not outlive it.
 * @module
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ActivityFailed, type CtkObject } from './model.js'
import { pythonStr } from './substitute.js'

export interface ProcessOutput {
  status: number
  stdout: string
  stderr: string
}

/** `shutil.which(os.path.expanduser(p))`: the executable, or undefined. */
export function whichPath(p: string, envPath = process.env['PATH'] ?? ''): string | undefined {
  const expanded = p.startsWith('~') ? path.join(os.homedir(), p.slice(1)) : p
  const candidates = expanded.includes('/')
    ? [expanded]
    : envPath
        .split(':')
        .filter(Boolean)
        .map((dir) => path.join(dir, expanded))
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) {
        accessSync(c, constants.X_OK)
        return c
      }
    } catch {
      // not this one
    }
  }
  return undefined
}

export function argv(args: unknown): string[] {
  const list = Array.isArray(args)
    ? args
    : args !== null && typeof args === 'object'
      ? Object.entries(args).flat()
      : []
  return list.filter((a) => a !== null && a !== undefined && a !== '').map((a) => pythonStr(a))
}

export function runProcess(
  provider: CtkObject,
  args: unknown,
  signal?: AbortSignal
): Promise<ProcessOutput> {
  const resolved = whichPath(String(provider['path'])) ?? String(provider['path'])
  const timeout = typeof provider['timeout'] === 'number' ? provider['timeout'] : undefined
  const child =
    typeof args === 'string'
      ? spawn('/bin/sh', ['-c', `${resolved} ${args}`], { detached: true })
      : spawn(resolved, argv(args ?? []), { detached: true })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  return new Promise((resolve, reject) => {
    let timedOut = false
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            killGroup()
          }, timeout * 1000)
    const onAbort = (): void => killGroup()
    signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new ActivityFailed(`process '${resolved}' could not start: ${error.message}`))
    })
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (timedOut) {
        reject(new ActivityFailed('process activity took too long to complete'))
        return
      }
      resolve({
        // Python reports a signal death as the negative signal number.
        status: code ?? -(os.constants.signals[sig ?? 'SIGKILL'] ?? 9),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
  })
}
