/**
 * Command probe: `/bin/sh -c command` in the experiment's directory; passes when the exit code
 * is the expected one (default 0, as litmus-go fails a command that exits non-zero) and, if
 * given, the comparator holds on the trimmed stdout.
 * @module
 */
import { spawn } from 'node:child_process'
import { renderTemplate } from '../../shared/template.js'
import { kScrubbedPolicy, launcherFor, type Launch } from '../../platforms/local/exec-policy.js'
import { compare, describeComparator } from '../comparator.js'
import { defineProbe } from '../contract.js'
import { abortMessage, attemptSignal, errorMessage, excerpt, failed } from '../attempt.js'

/** Output kept per stream; a probe's answer is a line, not a log. */
const MAX_OUTPUT_BYTES = 256 * 1024
/** Length of the stdout kept as the outcome's value. */
const MAX_VALUE_CHARS = 1024
/** After the shell exits, how long background children may hold its pipes open. */
const PIPE_GRACE_MS = 500

export const cmdProbe = defineProbe({
  type: 'cmd',

  describe(params) {
    const parts = [`$ ${params.command}`, `expect exit ${params.exitCode ?? 0}`]
    if (params.comparator) {
      parts.push(`stdout ${describeComparator(params.comparator)}`)
    }
    return parts.join(', ')
  },

  async check(params, ctx) {
    let launch: Launch
    try {
      const command = renderTemplate(params.command, ctx.vars)
      const own: Record<string, string> = {}
      for (const [key, value] of Object.entries(params.env ?? {})) {
        own[key] = renderTemplate(value, ctx.vars)
      }
      // The run's exec policy: a scrubbed environment plus the probe's own, as the run user.
      launch = (ctx.launch ?? launcherFor(kScrubbedPolicy))(['/bin/sh', '-c', command], own)
    } catch (err) {
      return failed(errorMessage(err))
    }

    const signal = attemptSignal(ctx)
    if (signal.aborted) {
      return failed(abortMessage(signal, ctx))
    }
    const run = await runShell(launch, ctx.baseDir, signal)
    if (run.error) {
      return failed(`could not run /bin/sh in ${ctx.baseDir}: ${run.error}`)
    }
    const stdout = run.stdout.trim()
    const value =
      stdout.length > MAX_VALUE_CHARS ? `${stdout.slice(0, MAX_VALUE_CHARS)}...` : stdout
    if (run.aborted) {
      return failed(withOutput(abortMessage(signal, ctx), stdout, run.stderr), value)
    }

    const exit = run.code === null ? `killed by ${run.signal}` : `exit ${run.code}`
    const expectedExit = params.exitCode ?? 0
    if (run.code !== expectedExit) {
      return failed(withOutput(`${exit}, expected exit ${expectedExit}`, stdout, run.stderr), value)
    }
    if (params.comparator) {
      const result = compare(params.comparator, stdout)
      return { passed: result.passed, message: `${exit}; stdout ${result.message}`, value }
    }
    return { passed: true, message: withOutput(exit, stdout, ''), value }
  },
})

function withOutput(head: string, stdout: string, stderr: string): string {
  const parts = [head]
  if (stdout) {
    parts.push(`stdout: ${excerpt(stdout, 100)}`)
  }
  if (stderr.trim()) {
    parts.push(`stderr: ${excerpt(stderr, 100)}`)
  }
  return parts.join('; ')
}

interface ShellRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  aborted: boolean
  error?: string
}

/**
 * Runs the shell in its own process group so an abort kills everything it started (a pipeline,
 * a `sleep`), not just the shell.
 */
function runShell(launch: Launch, cwd: string, signal: AbortSignal): Promise<ShellRun> {
  return new Promise((resolve) => {
    const child = spawn(launch.command, launch.args, {
      cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stdout = collect(child.stdout)
    const stderr = collect(child.stderr)
    let aborted = false
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let graceTimer: NodeJS.Timeout | undefined
    let settled = false

    const killGroup = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          // The group is already gone.
        }
      }
    }
    const finish = (error?: string) => {
      if (settled) {
        return
      }
      settled = true
      signal.removeEventListener('abort', onAbort)
      clearTimeout(graceTimer)
      child.stdout.destroy()
      child.stderr.destroy()
      resolve({
        code: exited?.code ?? null,
        signal: exited?.signal ?? null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        aborted,
        ...(error === undefined ? {} : { error }),
      })
    }
    const onAbort = () => {
      aborted = true
      killGroup()
      // Do not wait for stragglers that left the group: the attempt is over.
      finish()
    }

    signal.addEventListener('abort', onAbort, { once: true })
    child.on('error', (err) => finish(errorMessage(err)))
    child.on('exit', (code, sig) => {
      exited = { code, signal: sig }
      // Background children of the shell may keep its pipes open; give them a moment, then end
      // them (the group still exists while they run, so the pgid cannot have been reused).
      graceTimer = setTimeout(() => {
        killGroup()
        finish()
      }, PIPE_GRACE_MS)
    })
    child.on('close', () => finish())
  })
}

function collect(stream: NodeJS.ReadableStream): { text(): string } {
  const chunks: Buffer[] = []
  let size = 0
  stream.on('data', (chunk: Buffer) => {
    if (size < MAX_OUTPUT_BYTES) {
      const part = chunk.subarray(0, MAX_OUTPUT_BYTES - size)
      chunks.push(part)
      size += part.byteLength
    }
  })
  return { text: () => Buffer.concat(chunks).toString('utf8') }
}
