/**
 * Files a manifest names that ordeal itself reads (a `sql` probe's or check's SQLite database,
 * a check's `file` source) are read with the run user's rights, not the run process's (root):
 * otherwise an editor could list `/etc/shadow` as "unexpected ids" in a check's findings, or
 * read the Chaos Center's own database, and every viewer would see it in the journal.
 * @module
 */
import { spawn } from 'node:child_process'
import type { Launcher } from './exec-policy.js'

/** Output of a file read as the run user; ids files are small, a bound keeps a mistake cheap. */
const kMaxReadBytes = 64 * 1024 * 1024

/**
 * Throws unless the run user may read `file`. Checked by `test -r` as that user; the database is
 * then opened read-only by ordeal, so the window between the two can expose a file only to a
 * read, and only for a path the run user could reach a moment before.
 */
export async function assertReadableAs(
  launch: Launcher | undefined,
  file: string,
  signal?: AbortSignal
): Promise<void> {
  const user = launch?.foreignUser
  if (launch === undefined || user === undefined) {
    return
  }
  const { code } = await run(launch(['test', '-r', file]), signal)
  if (code !== 0) {
    throw new Error(`${file}: not readable by the run user ${user.name}`)
  }
}

/** `file`'s text, read as the run user (`cat` through the exec policy) when it is another user. */
export async function readTextAs(
  launch: Launcher | undefined,
  file: string,
  signal?: AbortSignal
): Promise<string | undefined> {
  if (launch?.foreignUser === undefined) {
    return undefined // ordeal's own user: the caller reads it directly
  }
  const { code, stdout, stderr } = await run(launch(['cat', '--', file]), signal)
  if (code !== 0) {
    throw new Error(stderr.trim() || `${file}: not readable by the run user`)
  }
  return stdout
}

function run(
  launch: ReturnType<Launcher>,
  signal?: AbortSignal
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, launch.args, {
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    })
    let stdout = ''
    let stderr = ''
    let size = 0
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      size += chunk.length
      if (size > kMaxReadBytes) {
        child.kill('SIGKILL')
        reject(new Error(`more than ${kMaxReadBytes} bytes`))
        return
      }
      stdout += chunk
    })
    child.stderr
      .setEncoding('utf8')
      .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-300)))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}
