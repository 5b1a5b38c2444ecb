/**
 * Lazy mode's page cache against a model: random sequences of writes (across page edges, past
 * the end, leaving gaps), truncates (down and up) and fsyncs on one file through the mount.
 * Every read must show the model's current bytes; after `power-loss`, the file must hold
 * exactly the bytes of its last fsync. With a tiny memory cap, pages are written back while the
 * sequence runs, and reads and the final synced file must still match.
 */
import assert from 'node:assert/strict'
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { buildDiskfs, cleanupDiskWork, diskWorkDir, startDiskfs } from '../../support/diskfs.js'

type Op =
  | { kind: 'write'; off: number; len: number; byte: number }
  | { kind: 'truncate'; size: number }
  | { kind: 'fsync' }

const MAX = 5 * 4096 + 100
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      off: fc.integer({ min: 0, max: MAX }),
      len: fc.integer({ min: 1, max: 9000 }),
      byte: fc.integer({ min: 1, max: 255 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('truncate' as const),
      size: fc.integer({ min: 0, max: MAX }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'fsync' as const }) }
)

/** Applies `ops` to the file and to the model; checks every step's view; returns the synced bytes. */
function play(file: string, ops: Op[]): { current: Buffer; synced: Buffer } {
  let current = Buffer.alloc(0)
  let synced = Buffer.alloc(0)
  const fd = openSync(file, 'r+')
  try {
    for (const o of ops) {
      if (o.kind === 'write') {
        const data = Buffer.alloc(o.len, o.byte)
        assert.equal(writeSync(fd, data, 0, o.len, o.off), o.len)
        const grown = Buffer.alloc(Math.max(current.length, o.off + o.len))
        current.copy(grown)
        data.copy(grown, o.off)
        current = grown
      } else if (o.kind === 'truncate') {
        ftruncateSync(fd, o.size)
        const resized = Buffer.alloc(o.size)
        current.copy(resized, 0, 0, Math.min(o.size, current.length))
        current = resized
      } else {
        fsyncSync(fd)
        synced = Buffer.from(current)
      }
      assert.equal(fstatSync(fd).size, current.length, `size after ${JSON.stringify(o)}`)
      assert.ok(readFileSync(file).equals(current), `content after ${JSON.stringify(o)}`)
    }
  } finally {
    closeSync(fd)
  }
  return { current, synced }
}

/** A new empty file whose name is durable (file and directory fsynced). */
function durableEmptyFile(dir: string, name: string): string {
  const file = path.join(dir, name)
  const fd = openSync(file, 'w')
  fsyncSync(fd)
  closeSync(fd)
  const dfd = openSync(dir, 'r')
  fsyncSync(dfd)
  closeSync(dfd)
  return file
}

describe('ordeal-diskfs lazy page cache against a model', () => {
  let base: string
  before(() => {
    buildDiskfs()
    base = diskWorkDir()
  })
  after(() => cleanupDiskWork(base))

  test('reads always show the current bytes; a power loss leaves the bytes of the last fsync', async () => {
    const dir = path.join(base, 'model')
    mkdirSync(dir)
    const fs = await startDiskfs(dir, { lazy: true })
    let n = 0
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          const file = durableEmptyFile(dir, `f${++n}`)
          const { synced } = play(file, ops)
          assert.match(await fs.command('power-loss'), /^ok files=\d+ bytes=\d+ entries=0$/)
          assert.ok(readFileSync(file).equals(synced), 'after power-loss: the last fsync')
        }),
        { numRuns: 60 }
      )
    } finally {
      await fs.stop()
    }
  })

  test('with an 8 KiB cap, pages written back early change nothing a reader sees', async () => {
    const dir = path.join(base, 'capped')
    mkdirSync(dir)
    const fs = await startDiskfs(dir, { lazy: true, extraArgs: ['--lazy-cap', '8192'] })
    const finals = new Map<string, Buffer>()
    let n = 0
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          const file = durableEmptyFile(dir, `f${++n}`)
          const { current } = play(file, [...ops, { kind: 'fsync' }])
          assert.match(await fs.command('stats'), / dirty=0 pending=0$/)
          finals.set(file, current)
        }),
        { numRuns: 60 }
      )
    } finally {
      await fs.stop()
    }
    for (const [file, bytes] of finals) {
      assert.ok(readFileSync(file).equals(bytes), file)
    }
  })
})
