/**
 * disk-fill: writes a filler file into a directory, `size` bytes or until the filesystem is
 * `percent` full (Litmus disk-fill `FILL_PERCENTAGE`), and removes it on revert. The removal is
 * recorded before the file exists. The file is allocated with `fallocate` (instant, real
 * blocks) when the filesystem supports it, else written as zeros.
 * @module
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { open, stat, statfs, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { defineFault, FaultInjectionError } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { formatSize, parseSize } from '../size.js'
import { KEEP_FREE_BYTES, planFill, type FsSpace } from './plan.js'

const kChunkBytes = 8 * 1024 * 1024

export const diskFillFault = defineFault({
  type: 'disk-fill',
  describe(params, { baseDir }) {
    const dir = path.resolve(baseDir, params.path)
    const file = path.join(dir, '.ordeal-fill-…')
    const then = `removed after ${params.duration}`
    if (params.size !== undefined) {
      return [`create ${file} of ${formatSize(parseSize(params.size))}, ${then}`]
    }
    return [
      `fill the filesystem holding ${dir} to ${params.percent}% used with ${file} (leaving at least ${formatSize(KEEP_FREE_BYTES)} free), ${then}`,
    ]
  },
  async inject(ctx) {
    const dir = path.resolve(ctx.baseDir, ctx.params.path)
    const info = await stat(dir).catch(() => undefined)
    if (!info?.isDirectory()) {
      throw new FaultInjectionError(`disk-fill path ${dir} is not an existing directory`)
    }
    const file = path.join(dir, fillFileName(ctx.runId, ctx.fault.id))
    const want =
      ctx.params.size !== undefined
        ? { bytes: parseSize(ctx.params.size) }
        : { percent: ctx.params.percent ?? 0 }
    const plan = planFill(await space(dir), want)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    undos.record({ kind: 'remove-file', path: file, label: `remove ${file}` })
    if (plan.bytes === 0) {
      ctx.action(`${file} not created: ${plan.notes.join('; ')}`)
      return { targets: [file], revert: () => undos.revert() }
    }
    try {
      await writeFill(file, plan.bytes, ctx.signal)
    } catch (error) {
      await undos.revert()
      throw error instanceof FaultInjectionError
        ? error
        : new FaultInjectionError(`cannot fill ${file}: ${(error as Error).message}`, {
            cause: error,
          })
    }
    ctx.action([`create ${file} of ${formatSize(plan.bytes)}`, ...plan.notes].join('; '))
    return { targets: [file], revert: () => undos.revert() }
  },
})

/** `.ordeal-fill-<runId>-<faultId>`, with anything unsafe in a file name replaced. */
export function fillFileName(runId: string, faultId: string): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_')
  return `.ordeal-fill-${safe(runId)}-${safe(faultId)}`
}

async function space(dir: string): Promise<FsSpace> {
  const fs = await statfs(dir)
  return { used: (fs.blocks - fs.bfree) * fs.bsize, avail: fs.bavail * fs.bsize }
}

/**
 * Creates `file` with exactly `bytes` bytes of allocated space, then checks its size. The dir
 * may be the run user's (a Chaos Center run's `work/`), where it can plant a symlink under the
 * predictable name: the file is created new (`O_EXCL`, `O_NOFOLLOW`) and then only ever used
 * through this descriptor, so an existing file elsewhere is never truncated or grown.
 */
async function writeFill(file: string, bytes: number, signal: AbortSignal): Promise<void> {
  const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = constants
  const handle = await open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
  try {
    if (!(await fallocate(handle, bytes))) {
      await writeZeros(handle, file, bytes, signal)
    }
    const size = (await handle.stat()).size
    if (size !== bytes) {
      throw new FaultInjectionError(`${file} has ${size} bytes after filling, expected ${bytes}`)
    }
  } finally {
    await handle.close()
  }
}

/**
 * True when util-linux `fallocate` allocated the file; false when it is missing or unsupported
 * here. It gets our descriptor as its fd 3 and opens `/proc/self/fd/3`, which is that very file
 * whatever happens to its name.
 */
function fallocate(handle: FileHandle, bytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('fallocate', ['-l', String(bytes), '/proc/self/fd/3'], {
      stdio: ['ignore', 'ignore', 'ignore', handle.fd],
    })
    child.once('error', () => resolve(false))
    child.once('close', (code) => resolve(code === 0))
  })
}

async function writeZeros(
  handle: FileHandle,
  file: string,
  bytes: number,
  signal: AbortSignal
): Promise<void> {
  const zeros = Buffer.alloc(Math.min(kChunkBytes, bytes))
  // A failed fallocate may have allocated part of it: start again from the beginning.
  await handle.truncate(0)
  for (let written = 0; written < bytes;) {
    if (signal.aborted) {
      throw new FaultInjectionError(`aborted while filling ${file}`)
    }
    const { bytesWritten } = await handle.write(
      zeros,
      0,
      Math.min(zeros.length, bytes - written),
      written
    )
    written += bytesWritten
  }
  // Make the blocks really allocated now, not at some later writeback.
  await handle.sync()
}
