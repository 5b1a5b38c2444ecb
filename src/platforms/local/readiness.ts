/**
 * Readiness polling, after Playwright's webServerPlugin: check at once, then back off 100, 250,
 * 500 ms and every second after, racing the process exiting and the timeout.
 * @module
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { Readiness } from '../../experiment/model.js'
import { formatDuration, sleep } from '../../shared/duration.js'
import { describeExit, type ExitInfo } from './restart-policy.js'
import { signalGroup } from './process-group.js'
import type { Launch } from './exec-policy.js'
import { deadlineSignal } from '../../shared/deadline-signal.js'

const kPollDelaysMs = [100, 250, 500]
/** One attempt never waits longer than this, so a hung connection cannot eat the whole timeout. */
const kAttemptTimeoutMs = 5000

/** Delay after failed attempt number `attempt` (0-based). */
export function pollDelay(attempt: number): number {
  return kPollDelaysMs[attempt] ?? 1000
}

/** `host:port`, `[::1]:port` or a bare port (meaning 127.0.0.1). */
export function parseTcpTarget(target: string): { host: string; port: number } {
  const text = target.trim()
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text)
  const port = Number(match?.[3])
  if (!match || !(port > 0 && port < 65536)) {
    throw new Error(`'${target}' is not a host:port or a port`)
  }
  return { host: match[1] || match[2] || '127.0.0.1', port }
}

export interface CheckContext {
  /** For `cmd` checks. */
  cwd: string
  /** Builds a `cmd` check's spawn (user, environment): the run's exec policy decides. */
  launch: (argv: string[]) => Launch
  signal: AbortSignal
}

/** One readiness attempt: undefined when ready, else why not (for the error message). */
export function checkOnce(readiness: Pick<Readiness, 'kind' | 'target'>, context: CheckContext) {
  const signal = AbortSignal.any([context.signal, deadlineSignal(kAttemptTimeoutMs)])
  switch (readiness.kind) {
    case 'http':
      return checkHttp(readiness.target, signal)
    case 'tcp':
      return checkTcp(readiness.target, signal)
    case 'cmd':
      return checkCmd(readiness.target, { ...context, signal })
  }
}

export type ReadinessOutcome = { ready: true } | { ready: false; reason: string; exited: boolean }

/** Polls until ready, the process exits, `timeoutMs` passes or `signal` aborts (ordeal stopping). */
export async function waitUntilReady(options: {
  readiness: Readiness
  cwd: string
  launch: CheckContext['launch']
  exited: Promise<ExitInfo>
  signal: AbortSignal
}): Promise<ReadinessOutcome> {
  const { readiness } = options
  const controller = new AbortController()
  let failure: { reason: string; exited: boolean } | undefined
  const fail = (reason: string, exited = false) => {
    failure ??= { reason, exited }
    controller.abort()
  }
  let lastError = 'no attempt finished'
  const timer = setTimeout(
    () => fail(`not ready within ${formatDuration(readiness.timeoutMs)} (${lastError})`),
    readiness.timeoutMs
  )
  const onStop = () => fail('ordeal stopped while it was starting')
  options.signal.addEventListener('abort', onStop, { once: true })
  if (options.signal.aborted) {
    onStop()
  }
  void options.exited.then((exit) => fail(`${describeExit(exit)} before it was ready`, true))
  try {
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      const error = await checkOnce(readiness, { ...options, signal: controller.signal })
      // A success after the process exited means something else answers: not ready.
      if (error === undefined && !controller.signal.aborted) {
        return { ready: true }
      }
      lastError = `${readiness.kind} ${readiness.target}: ${error ?? 'aborted'}`
      await sleep(pollDelay(attempt), controller.signal)
    }
    return { ready: false, ...(failure ?? { reason: 'aborted', exited: false }) }
  } finally {
    clearTimeout(timer)
    options.signal.removeEventListener('abort', onStop)
    controller.abort()
  }
}

function checkHttp(url: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      resolve(`'${url}' is not a URL`)
      return
    }
    const onResponse = (response: http.IncomingMessage) => {
      response.resume()
      const status = response.statusCode ?? 0
      resolve(status >= 200 && status < 400 ? undefined : `HTTP ${status}`)
    }
    // No keep-alive: a pooled connection would outlive the check and could delay the
    // service's own graceful shutdown. Local services often use self-signed certificates.
    const request =
      parsed.protocol === 'https:'
        ? https.get(parsed, { agent: false, signal, rejectUnauthorized: false }, onResponse)
        : http.get(parsed, { agent: false, signal, headers: { connection: 'close' } }, onResponse)
    request.on('error', (error) => resolve(errorText(error)))
  })
}

function checkTcp(target: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    let address: { host: string; port: number }
    try {
      address = parseTcpTarget(target)
    } catch (error) {
      resolve(errorText(error))
      return
    }
    const socket = net.connect(address)
    const finish = (result: string | undefined) => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = () => finish('aborted')
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => finish(undefined))
    socket.once('error', (error) => finish(errorText(error)))
  })
}

function checkCmd(command: string, context: CheckContext): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Own group, so an abort (or a command that backgrounds something) is cleaned up entirely.
    const launch = context.launch(['/bin/sh', '-c', command])
    const child = spawn(launch.command, launch.args, {
      cwd: context.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-300)
    })
    const onAbort = () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL')
    context.signal.addEventListener('abort', onAbort, { once: true })
    child.once('error', (error) => finish(errorText(error)))
    child.once('exit', (code, signal) => {
      const last = stderr.trim().split('\n').pop()
      finish(code === 0 ? undefined : `${describeExit({ code, signal })}${last ? `: ${last}` : ''}`)
    })
    function finish(result: string | undefined) {
      context.signal.removeEventListener('abort', onAbort)
      if (child.pid !== undefined) {
        signalGroup(child.pid, 'SIGKILL')
      }
      resolve(result)
    }
  })
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
