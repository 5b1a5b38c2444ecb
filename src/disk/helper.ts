/**
 * Starting one ordeal-diskfs helper and waiting for its `ready` line (the mount is live). It
 * runs detached, in its own session: a Ctrl+C to the runner's group must not unmount the
 * services' directory under them; the runner ends it at teardown (SIGTERM: it unmounts), the
 * ledger's undos if the runner dies. Its stderr goes to a file, not a pipe: a runner killed
 * with -9 leaves no reader, and a helper writing to a dead pipe would die of SIGPIPE.
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { diskfsHelperPath } from './helper-path.js'

/** Mounting takes milliseconds; a helper silent for this long is stuck. */
const kReadyTimeoutMs = 10_000

export interface HelperArgs {
  dir: string
  socket: string
  name: string
  lazy: boolean
  seed: number
  /** Where its stderr goes. */
  logFile: string
}

export interface RunningHelper {
  pid: number
  /** Resolves when it has exited. */
  exited: Promise<void>
}

export function helperArgv(args: HelperArgs): string[] {
  return [
    '--dir',
    args.dir,
    '--control',
    args.socket,
    '--name',
    args.name,
    ...(args.lazy ? ['--lazy'] : []),
    '--seed',
    String(args.seed),
  ]
}

/**
 * Spawns the helper; `onSpawn` gets its pid before anything else happens (to ledger its
 * termination). Resolves once it printed `ready`; rejects with its own error line when it
 * exits first or stays silent (after killing it).
 */
export async function startHelper(
  args: HelperArgs,
  onSpawn: (pid: number) => void
): Promise<RunningHelper> {
  const log = openSync(args.logFile, 'a', 0o600)
  let child
  try {
    child = spawn(diskfsHelperPath(), helperArgv(args), {
      detached: true,
      stdio: ['ignore', 'pipe', log],
    })
  } finally {
    closeSync(log)
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  if (child.pid === undefined) {
    await exited
    throw new Error(`cannot start ${diskfsHelperPath()}`)
  }
  const pid = child.pid
  onSpawn(pid)
  const lastLine = () => {
    try {
      return readFileSync(args.logFile, 'utf8').trim().split('\n').at(-1) ?? ''
    } catch {
      return ''
    }
  }
  const stdout = child.stdout!
  stdout.setEncoding('utf8')
  let text = ''
  const ready = await new Promise<boolean | 'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), kReadyTimeoutMs)
    stdout.on('data', (chunk: string) => {
      text += chunk
      if (text.split('\n').includes('ready')) {
        clearTimeout(timer)
        resolve(true)
      }
    })
    void exited.then(() => {
      clearTimeout(timer)
      resolve(false)
    })
  })
  if (ready !== true) {
    if (ready === 'timeout') {
      killGroup(pid)
      await exited
    }
    const why = lastLine() || (ready === 'timeout' ? 'no ready line in 10s' : 'exited')
    throw new Error(`ordeal-diskfs could not mount ${args.dir}: ${why}`)
  }
  // It prints nothing more on stdout: keep reading (a full pipe must never block it), and let
  // the runner exit without waiting for it.
  stdout.resume()
  child.unref()
  ;(stdout as { unref?: () => void }).unref?.()
  return { pid, exited }
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL')
    } catch {
      // gone
    }
  }
}
