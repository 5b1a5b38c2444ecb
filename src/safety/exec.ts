/**
 * Runs `ip` / `iptables` / `tc` as argv arrays, never through a shell: names and addresses come
 * from manifests, and an argv cannot be re-split or expanded.
 * @module
 */
import { spawn } from 'node:child_process'

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs argv to completion; `input` is written to its stdin (batch and restore files). */
export function runArgv(argv: readonly string[], input?: string): Promise<CommandResult> {
  const [command, ...args] = argv
  if (command === undefined) {
    return Promise.reject(new Error('empty argv'))
  }
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: error.message }))
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    if (input !== undefined) {
      child.stdin?.on('error', () => {}).end(input)
    }
  })
}

/** Runs argv and throws, with its stderr, when it fails. */
export async function mustRun(argv: readonly string[], input?: string): Promise<string> {
  const result = await runArgv(argv, input)
  if (result.code !== 0) {
    throw new Error(`${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`)
  }
  return result.stdout
}

/**
 * Whether a failed removal failed because the thing is already gone: a missing namespace,
 * device, rule or qdisc. Undos treat that as success, which makes them idempotent.
 */
export function isAlreadyGone(stderr: string): boolean {
  return kGone.some((pattern) => pattern.test(stderr))
}

const kGone = [
  /No such file or directory/,
  /Cannot find device/,
  /does a matching rule exist/,
  /No chain\/target\/match by that name/,
  /Cannot open network namespace/,
  /handle of zero/,
  /No such device/,
  /Cannot delete qdisc with handle of zero/,
]
