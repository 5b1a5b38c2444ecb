/**
 * Runs one launched command to its end and collects its output, for the work ordeal does as the
 * run user on a manifest's behalf (reading a file, running a SQL query). The child is killed on
 * abort, and its output is bounded, so a mistake or a hostile file costs little.
 * @module
 */
import { spawn } from 'node:child_process'
import type { Launch } from './exec-policy.js'

export interface ChildOutcome {
  /** Exit code; null when killed by a signal. */
  code: number | null
  stdout: string
  /** The last few hundred characters: enough for an error message. */
  stderr: string
}

export interface CollectOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string
  /** Kills the child (SIGKILL) when it aborts; the promise then rejects. */
  signal?: AbortSignal
  /** stdout beyond this many bytes kills the child and rejects. */
  maxBytes: number
}

const kStderrTail = 300

export function collectChild(launch: Launch, options: CollectOptions): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const { signal, maxBytes } = options
    if (signal?.aborted) {
      reject(new Error('aborted'))
      return
    }
    // cwd `/`: the run user may not reach ordeal's own working directory.
    const child = spawn(launch.command, launch.args, {
      env: launch.env,
      cwd: '/',
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let settled = false
    const finish = (fn: () => void) => {
      if (!settled) {
        settled = true
        signal?.removeEventListener('abort', onAbort)
        fn()
      }
    }
    const fail = (err: Error) => {
      child.kill('SIGKILL')
      finish(() => reject(err))
    }
    const onAbort = () => fail(new Error('aborted'))
    signal?.addEventListener('abort', onAbort, { once: true })

    const chunks: Buffer[] = []
    let size = 0
    child.stdout!.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        fail(new Error(`output of more than ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-kStderrTail)
    })
    if (child.stdin) {
      // A child that exits without reading its input must not crash ordeal with EPIPE.
      child.stdin.on('error', () => undefined)
      child.stdin.end(options.input)
    }
    child.once('error', (err) => fail(err))
    child.once('close', (code) =>
      finish(() => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8'), stderr }))
    )
  })
}
