/**
 * Starts stress workers (see `worker.ts`) for cpu-stress and memory-stress: spawn paused,
 * record the `terminate` undo with the real pid and start time, then tell the worker to go
 * and wait until it reports its load is in place.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { processStartTime } from '../../safety/proc.js'
import { childExecArgv, siblingScript } from '../../safety/node-child.js'
import { FaultInjectionError } from '../contract.js'
import type { RecordedUndos } from '../recorded-undos.js'

/**
 * The worker beside this module, with this module's extension: `.js` in the built package,
 * `.ts` when running from source under tsx (whose loader comes along in `execArgv`).
 */
export const workerPath = siblingScript(import.meta.url, 'worker')

/** The argv marker that identifies ordeal's stress workers (for `ordeal recover` and `ps`). */
export const STRESS_MARKER = 'ordeal-stress'

export type StressMode = 'cpu' | 'memory'

export interface StressWorker {
  pid: number
  label: string
  /** Resolves when the worker process has exited (and been reaped). */
  exited: Promise<void>
}

export interface StartOptions {
  mode: StressMode
  /** Load percentage (cpu) or bytes to hold (memory). */
  amount: number
  /** The worker exits by itself at this time (ms since epoch). */
  deadline: number
  readyTimeoutMs: number
  signal: AbortSignal
  label: string
}

/** Starts one worker; its undo is in `undos` before it does anything. */
export async function startStressWorker(
  undos: RecordedUndos,
  options: StartOptions
): Promise<StressWorker> {
  const args = [
    STRESS_MARKER,
    options.mode,
    String(options.deadline),
    String(process.pid),
    String(options.amount),
  ]
  // Detached: the worker leads its own group, so the undo kills it (and anything it spawns) by group.
  const child = spawn(process.execPath, [...childExecArgv(), workerPath, ...args], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new FaultInjectionError(`cannot start a stress worker: ${error.message}`, {
      cause: error,
    })
  }
  const pid = child.pid
  // A worker that dies at once makes the 'go' write fail with EPIPE; waitForReady reports the
  // exit, and an unhandled 'error' event must not take the runner down mid-fault.
  child.stdin?.on('error', () => {})
  child.on('error', () => {})
  const label = `${options.label} (pid ${pid})`
  try {
    undos.record({ kind: 'terminate', pid, startTime: processStartTime(pid), label })
  } catch (error) {
    child.kill('SIGKILL') // not recorded, so not allowed to start: it has not burned anything yet
    throw error
  }
  child.stdin?.end('go\n')
  await waitForReady(child, label, options)
  // From here the worker runs on its own: drop our pipes so neither side keeps the other alive.
  child.stdout?.destroy()
  child.stderr?.destroy()
  child.unref()
  return { pid, label, exited }
}

/** Waits for the `ready` line; fails on exit, timeout or abort, with the worker's stderr. */
function waitForReady(child: ChildProcess, label: string, options: StartOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(
      () => fail(`did not get ready within ${options.readyTimeoutMs} ms`),
      options.readyTimeoutMs
    )
    child.stdout?.setEncoding('utf8').on('data', onStdout)
    child.stderr?.setEncoding('utf8').on('data', onStderr)
    child.once('exit', onExit)
    options.signal.addEventListener('abort', onAbort, { once: true })
    if (options.signal.aborted) {
      onAbort() // an already-aborted signal never fires 'abort'
    }

    function onStdout(chunk: string) {
      stdout += chunk
      if (stdout.split('\n').includes('ready')) {
        cleanup()
        resolve()
      }
    }
    function onStderr(chunk: string) {
      stderr = (stderr + chunk).slice(-2000)
    }
    function onExit(code: number | null, signal: NodeJS.Signals | null) {
      fail(`exited (${signal ?? `code ${code}`}) before it got ready`)
    }
    function onAbort() {
      fail('aborted before it got ready')
    }
    function fail(reason: string) {
      cleanup()
      const detail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''
      reject(new FaultInjectionError(`stress worker ${label} ${reason}${detail}`))
    }
    function cleanup() {
      clearTimeout(timer)
      child.stdout?.off('data', onStdout)
      child.stderr?.off('data', onStderr)
      child.off('exit', onExit)
      options.signal.removeEventListener('abort', onAbort)
    }
  })
}

/** Waits (bounded) for workers to be gone after their undo ran, so revert means "freed". */
export async function awaitExit(workers: StressWorker[], timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  await Promise.race([Promise.all(workers.map((w) => w.exited)), timeout])
  clearTimeout(timer)
}

/**
 * The runtime flags the worker needs (a TypeScript loader such as tsx), without the ones that
 * would make it something else: code passed with -e/-p would run instead of the worker, and a
 * second inspector on the same port would fail to start.
 */
