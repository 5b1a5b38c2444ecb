/**
 * ordeal-diskfs --lazy: what a program did not make durable (fsync of the file for data, of
 * the directory for creates, renames and unlinks) is gone after `power-loss`, as LazyFS does;
 * what it did make durable stays. Judged from the backing files after the unmount and from
 * what the program reads through the mount after the power loss.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import { diskProgramBinary, runDiskProgram } from '../../support/disk-program.js'
import type { Diskfs } from '../../support/diskfs.js'
import { buildDiskfs, cleanupDiskWork, diskWorkDir, startDiskfs } from '../../support/diskfs.js'

const ok = (lines: string[]) =>
  lines.forEach((line) => assert.match(line, /^\S+ ok\b/, `the program: ${line}`))

/** power-loss's reply as numbers. */
async function powerLoss(fs: Diskfs) {
  const reply = await fs.command('power-loss')
  const match = /^ok files=(\d+) bytes=(\d+) entries=(\d+)$/.exec(reply)
  assert.ok(match, reply)
  return { files: Number(match[1]), bytes: Number(match[2]), entries: Number(match[3]) }
}

describe('ordeal-diskfs lazy mode', () => {
  let base: string
  let n = 0
  let fs: Diskfs
  let dir: string
  before(() => {
    buildDiskfs()
    diskProgramBinary()
    base = diskWorkDir()
  })
  beforeEach(async () => {
    dir = path.join(base, `d${++n}`)
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'durable'), 'old') // was there, durable, before the mount
    fs = await startDiskfs(dir, { lazy: true })
  })
  afterEach(async () => {
    await fs.stop()
    assert.ok(!existsSync(path.join(dir, '.ordeal-diskfs-stash')), 'the stash is removed at exit')
  })
  after(() => cleanupDiskWork(base))

  test('writes without fsync: the program reads its own writes, then a power loss drops them', async () => {
    const lines = runDiskProgram([
      `write:${dir}/new:never synced`,
      `write:${dir}/durable:overwritten`,
      `read:${dir}/new`,
      `read:${dir}/durable`,
    ])
    ok(lines)
    assert.deepEqual(lines.slice(2), ['read ok never synced', 'read ok overwritten'])
    // Nothing reached the backing's data yet: the created file is empty there.
    assert.match(await fs.command('stats'), /^ok ops=\d+ errors=0 dirty=8192 pending=1$/)
    assert.deepEqual(await powerLoss(fs), { files: 2, bytes: 8192, entries: 1 })
    // Through the mount, at once: no kernel cache shows the lost writes.
    assert.deepEqual(runDiskProgram([`read:${dir}/durable`, `read:${dir}/new`]), [
      'read ok old',
      'read ENOENT at open',
    ])
    assert.match(await fs.command('stats'), /^ok ops=\d+ errors=0 dirty=0 pending=0$/)
    await fs.stop()
    assert.deepEqual(readdirSync(dir), ['durable'])
    assert.equal(readFileSync(path.join(dir, 'durable'), 'utf8'), 'old')
  })

  test('fsync of the file but not the directory loses the name; fsync of both keeps file and data', async () => {
    ok(runDiskProgram([`writefsync:${dir}/a:file only`]))
    ok(runDiskProgram([`writefsync:${dir}/b:both`, `fsyncdir:${dir}`, `writefsync:${dir}/c:after`]))
    // a and b were made durable by the directory fsync after them; c was created after it.
    assert.match(await fs.command('stats'), / dirty=0 pending=1$/)
    assert.deepEqual(await powerLoss(fs), { files: 0, bytes: 0, entries: 1 })
    await fs.stop()
    assert.deepEqual(readdirSync(dir).sort(), ['a', 'b', 'durable'])
    assert.equal(readFileSync(path.join(dir, 'b'), 'utf8'), 'both')
  })

  test('a rename over an existing file without a directory fsync: the old content is back', async () => {
    ok(
      runDiskProgram([
        `writefsync:${dir}/durable.tmp:new version`,
        `rename:${dir}/durable.tmp:${dir}/durable`,
        `read:${dir}/durable`,
      ])
    )
    assert.match(await fs.command('stats'), / pending=2$/)
    assert.deepEqual(await powerLoss(fs), { files: 0, bytes: 0, entries: 2 })
    assert.deepEqual(runDiskProgram([`read:${dir}/durable`, `ls:${dir}`]), [
      'read ok old',
      'ls ok durable',
    ])
    await fs.stop()
    assert.deepEqual(readdirSync(dir), ['durable'])
    assert.equal(readFileSync(path.join(dir, 'durable'), 'utf8'), 'old')
  })

  test('the same rename followed by a directory fsync survives', async () => {
    ok(
      runDiskProgram([
        `writefsync:${dir}/durable.tmp:new version`,
        `rename:${dir}/durable.tmp:${dir}/durable`,
        `fsyncdir:${dir}`,
      ])
    )
    assert.deepEqual(await powerLoss(fs), { files: 0, bytes: 0, entries: 0 })
    await fs.stop()
    assert.deepEqual(readdirSync(dir), ['durable'])
    assert.equal(readFileSync(path.join(dir, 'durable'), 'utf8'), 'new version')
  })

  test('an unlink without a directory fsync: the file is back; a removed directory too', async () => {
    ok(runDiskProgram([`mkdir:${dir}/empty`, `fsyncdir:${dir}`]))
    ok(runDiskProgram([`unlink:${dir}/durable`, `rmdir:${dir}/empty`, `ls:${dir}`]))
    assert.match(await fs.command('stats'), / pending=2$/)
    assert.deepEqual(await powerLoss(fs), { files: 0, bytes: 0, entries: 2 })
    await fs.stop()
    assert.deepEqual(readdirSync(dir).sort(), ['durable', 'empty'])
    assert.equal(readFileSync(path.join(dir, 'durable'), 'utf8'), 'old')
  })

  test('an unlink made durable stays; a mkdir not made durable goes with what it holds', async () => {
    ok(
      runDiskProgram([
        `unlink:${dir}/durable`,
        `fsyncdir:${dir}`,
        `mkdir:${dir}/sub`,
        `writefsync:${dir}/sub/inner:x`,
        `fsyncdir:${dir}/sub`,
      ])
    )
    assert.deepEqual(await powerLoss(fs), { files: 0, bytes: 0, entries: 1 })
    await fs.stop()
    assert.deepEqual(readdirSync(dir), [])
  })
})
