/**
 * Starts and stops the real ordeal-diskfs helper for tests: builds it (scripts/build-native.sh,
 * a no-op when up to date), mounts it over a fresh directory, waits for its `ready` line, and
 * talks to its control socket. `stop()` sends SIGTERM and checks what a test must leave
 * behind: no mount, no socket, no process.
 * @module
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from './cli.js'
import { waitUntil } from './fault-proc.js'

export const diskfsBinary = path.join(repoRoot, 'dist/native/ordeal-diskfs')

/** Builds the helper when a source is newer than the binary; returns its path. */
export function buildDiskfs(): string {
  execFileSync('bash', [path.join(repoRoot, 'scripts/build-native.sh')], { stdio: 'inherit' })
  if (!existsSync(diskfsBinary)) {
    throw new Error('ordeal-diskfs was not built (is libfuse3-dev installed?)')
  }
  return diskfsBinary
}

/** Mount points of /proc/self/mountinfo whose source (fsname) is `name`. */
export function mountsNamed(name: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => {
      const after = line.split(' - ')[1]
      return after !== undefined && after.split(' ')[1] === name
    })
    .map((line) => line.split(' ')[4]!)
}

export interface DiskfsOptions {
  lazy?: boolean
  seed?: number
  extraArgs?: string[]
}

export interface Diskfs {
  /** The directory: the backing before the mount, the mount while it runs. */
  dir: string
  control: string
  name: string
  child: ChildProcess
  /** Sends one control line; resolves with the reply line. */
  command(line: string): Promise<string>
  /** SIGTERM, wait for exit 0, then check that the mount and socket are gone. */
  stop(): Promise<void>
  stderr(): string
}

let counter = 0

/** A fresh work directory under the OS tmp dir, enterable by other users (a 999 program). */
export function diskWorkDir(): string {
  const base = mkdtempSync(path.join(os.tmpdir(), 'ordeal-diskfs-test-'))
  chmodSync(base, 0o755)
  return base
}

/** Starts the helper over `dir` (created when missing); resolves once it printed `ready`. */
export async function startDiskfs(dir: string, options: DiskfsOptions = {}): Promise<Diskfs> {
  mkdirSync(dir, { recursive: true })
  const name = `ordeal-disk-test${process.pid}-${++counter}`
  const control = `${dir}.sock`
  const args = ['--dir', dir, '--control', control, '--name', name]
  if (options.lazy) {
    args.push('--lazy')
  }
  if (options.seed !== undefined) {
    args.push('--seed', String(options.seed))
  }
  args.push(...(options.extraArgs ?? []))
  const child = spawn(diskfsBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  let exited = false
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true
      resolve(code)
    })
  )
  await waitUntil(
    'ordeal-diskfs to print ready',
    () => {
      if (exited) {
        throw new Error(`ordeal-diskfs exited before ready: ${stderr.trim()}`)
      }
      return stdout.includes('ready\n')
    },
    { timeoutMs: 10_000 }
  )

  let socket: net.Socket | undefined
  let buffered = ''
  const waiting: ((line: string) => void)[] = []
  let connecting: Promise<net.Socket> | undefined
  // One connection, whoever asks first: commands sent at once share it, so their replies come
  // back in the order they were sent (one socket each would race).
  const connect = () => (connecting ??= open())
  async function open(): Promise<net.Socket> {
    const s = net.createConnection(control)
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve)
      s.once('error', reject)
    })
    s.setEncoding('utf8').on('data', (d: string) => {
      buffered += d
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        waiting.shift()?.(line)
      }
    })
    socket = s
    return s
  }

  return {
    dir,
    control,
    name,
    child,
    stderr: () => stderr,
    async command(line: string) {
      const s = await connect()
      const reply = new Promise<string>((resolve) => waiting.push(resolve))
      s.write(`${line}\n`)
      return reply
    },
    async stop() {
      socket?.destroy()
      if (!exited) {
        child.kill('SIGTERM')
      }
      const code = await exit
      if (code !== 0) {
        throw new Error(`ordeal-diskfs exited ${code}: ${stderr.trim()}`)
      }
      if (mountsNamed(name).length > 0) {
        // Never leave a mount behind, even when the helper failed to unmount.
        execFileSync('umount', ['-l', dir])
        throw new Error(`ordeal-diskfs left its mount at ${dir}`)
      }
      if (existsSync(control)) {
        throw new Error(`ordeal-diskfs left its socket ${control}`)
      }
    },
  }
}

/** Last resort for `after` hooks: unmount anything this test process mounted, remove `base`. */
export function cleanupDiskWork(base: string): void {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4]
    if (mountPoint?.startsWith(base)) {
      execFileSync('umount', ['-l', mountPoint])
    }
  }
  rmSync(base, { recursive: true, force: true })
}
