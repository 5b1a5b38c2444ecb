/**
 * Runs the `git` binary: execFile (never a shell), a scrubbed environment (no user or system
 * config, no terminal prompt), a timeout, and errors folded into one line with every
 * credential removed. Credentials reach git only through the environment it is given (see
 * access.ts), never through argv, which any user of the machine can read in `ps`.
 * @module
 */
import { execFile } from 'node:child_process'
import { scrubLine } from './url.js'

export interface GitCall {
  cwd?: string
  env: NodeJS.ProcessEnv
  /** Removed from any error line (tokens; key paths are not secret). */
  secrets: readonly string[]
  timeoutMs?: number
  input?: Buffer | string
  signal?: AbortSignal
}

/** A failed git command: `message` is one line, credentials removed. */
export class GitError extends Error {
  override name = 'GitError'
}

const DEFAULT_TIMEOUT_MS = 120_000
/** A `cat-file --batch` of 1,000 manifests is a few MiB; a whole folder stays well under this. */
const MAX_OUTPUT = 512 * 1024 * 1024

/** The environment every git command runs with: nothing of the server's own but PATH. */
export function baseGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // No editor, pager or askpass of the user's: an answer comes from access.ts or not at all.
    GIT_PAGER: 'cat',
    GIT_EDITOR: 'true',
    SSH_ASKPASS: '',
    // ext:: and other helper transports run commands; only the ordinary ones are allowed.
    GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
  }
}

export function runGit(args: readonly string[], call: GitCall): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: call.cwd,
        env: call.env,
        encoding: 'buffer',
        timeout: call.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        windowsHide: true,
        ...(call.signal !== undefined ? { signal: call.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new GitError(failureLine(args, error, stderr, call)))
        } else {
          resolve(stdout)
        }
      }
    )
    if (call.input !== undefined) {
      child.stdin?.on('error', () => undefined)
      child.stdin?.end(call.input)
    } else {
      child.stdin?.end()
    }
  })
}

/** `git fetch: fatal: couldn't find remote ref refs/heads/nope`, one line, scrubbed. */
function failureLine(
  args: readonly string[],
  error: Error & { killed?: boolean; code?: unknown; signal?: unknown },
  stderr: Buffer,
  call: GitCall
): string {
  const command = `git ${args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''}`.trim()
  if (error.name === 'AbortError') {
    return `${command}: stopped (the server is shutting down)`
  }
  if (error.killed === true || error.signal === 'SIGKILL') {
    return `${command}: timed out after ${Math.round((call.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`
  }
  const lines = stderr
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'))
  // git's last fatal/error line says why; without one, the last line it printed.
  const why =
    [...lines].reverse().find((l) => /^(fatal|error):/.test(l)) ??
    lines.at(-1) ??
    (error.code === 'ENOENT' ? 'the git binary was not found' : `exit ${String(error.code)}`)
  return scrubLine(`${command}: ${why}`, call.secrets).slice(0, 500)
}
