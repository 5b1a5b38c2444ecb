/**
 * ordeal-diskfs's latency and error rules, steered through its control socket while a real
 * program writes and fsyncs through the mount; the program's own output and timing are the
 * observation.
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import { diskProgramBinary, runDiskProgram } from '../../support/disk-program.js'
import type { Diskfs } from '../../support/diskfs.js'
import { buildDiskfs, cleanupDiskWork, diskWorkDir, startDiskfs } from '../../support/diskfs.js'

/** Microseconds the program's fsync of `file` took, from its own clock. */
function fsyncMicros(file: string): number {
  const [line] = runDiskProgram([`fsync:${file}`])
  const match = /^fsync ok (\d+)$/.exec(line!)
  assert.ok(match, line)
  return Number(match[1])
}

const withoutMicros = (line: string) => line.replace(/^(fsync ok) \d+$/, '$1')

/** The program's pattern for 400 writes: `.` succeeded, `E` failed with EIO. */
function writes(file: string): string {
  const [line] = runDiskProgram([`writes:${file}:400`])
  const match = /^writes ok ([.EX]{400})$/.exec(line!)
  assert.ok(match, line)
  return match[1]!
}

describe('ordeal-diskfs rules', () => {
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
    fs = await startDiskfs(dir)
    assert.deepEqual(runDiskProgram([`write:${dir}/f:x`]), ['write ok'])
  })
  afterEach(() => fs.stop())
  after(() => cleanupDiskWork(base))

  test('latency fsync 200000: the program waits at least 200 ms in fsync; clear removes it', async () => {
    assert.equal(await fs.command('latency fsync 200000'), 'ok')
    assert.ok(fsyncMicros(`${dir}/f`) >= 200_000)
    // Other operations are not slowed: a second latency, far larger, shows whether clear works
    // without asserting an upper bound a loaded machine could break.
    assert.equal(await fs.command('latency fsync,write 30000000'), 'ok')
    assert.equal(await fs.command('clear'), 'ok')
    assert.ok(fsyncMicros(`${dir}/f`) < 30_000_000)
  })

  test('error write EIO 1, then error fsync ENOSPC 1: the calls fail with those errnos; clear restores', async () => {
    assert.equal(await fs.command('error write EIO 1'), 'ok')
    const underWrite = runDiskProgram([`write:${dir}/g:y`, `fsync:${dir}/f`])
    // fsync is untouched by a write rule.
    assert.deepEqual(underWrite.map(withoutMicros), ['write EIO', 'fsync ok'])
    assert.equal(await fs.command('error fsync ENOSPC 1'), 'ok')
    assert.deepEqual(runDiskProgram([`fsync:${dir}/f`, `writefsync:${dir}/h:z`]), [
      'fsync ENOSPC',
      'writefsync EIO at write',
    ])
    const stats = await fs.command('stats')
    // Two failed writes and one failed fsync: nothing else met a rule.
    assert.match(stats, /^ok ops=\d+ errors=3 dirty=0 pending=0$/)
    assert.equal(await fs.command('clear'), 'ok')
    const lines = runDiskProgram([`write:${dir}/g:y`, `fsync:${dir}/g`, `read:${dir}/g`])
    assert.deepEqual(lines.map(withoutMicros), ['write ok', 'fsync ok', 'read ok y'])
  })

  test('p=0.5 with a seed: 30-70 % of 400 writes fail, the same seed fails the same ones', async () => {
    assert.equal(await fs.command('seed 42'), 'ok')
    assert.equal(await fs.command('error write EIO 0.5'), 'ok')
    const first = writes(`${dir}/w`)
    const failed = first.split('E').length - 1
    // Binomial(400, 0.5): 30 %-70 % is 8 standard deviations either side.
    assert.ok(failed > 120 && failed < 280, `${failed}/400 failed`)
    assert.ok(!first.includes('X'), 'only EIO')
    assert.equal(await fs.command('seed 42'), 'ok')
    assert.equal(writes(`${dir}/w`), first, 'seed 42 again: the same sequence')
    assert.equal(await fs.command('seed 43'), 'ok')
    assert.notEqual(writes(`${dir}/w`), first, 'another seed: another sequence')
    assert.equal(await fs.command('clear'), 'ok')
    assert.equal(writes(`${dir}/w`), '.'.repeat(400))
  })

  test('the control socket refuses what it does not understand, one line each', async () => {
    const replies = await Promise.all(
      [
        'latency fsync',
        'latency nosuchop 10',
        'error write EWHAT 1',
        'error write EIO 1.5',
        'power-loss',
        'explode',
      ].map((line) => fs.command(line))
    )
    assert.deepEqual(replies, [
      'error usage: latency <ops> <microseconds>',
      "error unknown operation in 'nosuchop'",
      "error unknown errno 'EWHAT'",
      "error bad probability '1.5' (0 to 1)",
      'error not lazy',
      "error unknown command 'explode'",
    ])
    // Numbers and any errno glibc names are accepted.
    assert.equal(await fs.command('error open,mkdir EDQUOT 0'), 'ok')
    assert.equal(await fs.command('error all 28 0'), 'ok')
  })
})
