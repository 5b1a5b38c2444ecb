import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, statfs, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { diskFillFault, fillFileName } from '../../../src/faults/disk-fill/index.js'
import { KEEP_FREE_BYTES } from '../../../src/faults/disk-fill/plan.js'
import { FaultHarness } from '../../support/fault-context.js'

const MiB = 1024 ** 2
const run = promisify(execFile)

describe('disk-fill', () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
  })
  after(() => h.cleanup())

  test('a relative path resolves against the manifest directory', async () => {
    await mkdir(path.join(h.baseDir, 'data'))
    const ctx = h.context({ type: 'disk-fill', path: 'data', size: '2MiB', duration: '30s' })
    const injection = await diskFillFault.inject(ctx)
    const file = path.join(h.baseDir, 'data', fillFileName(h.runId, ctx.fault.id))
    assert.deepEqual(injection.targets, [file])
    assert.equal(statSync(file).size, 2 * MiB)
    assert.equal(h.actions.at(-1), `create ${file} of 2.0 MiB`)
    await injection.revert()
    assert.ok(!existsSync(file))
  })

  test('falls back to writing zeros when fallocate is not available', async () => {
    const savedPath = process.env['PATH']
    process.env['PATH'] = '/nonexistent' // so execFile cannot find fallocate
    try {
      const ctx = h.context({ type: 'disk-fill', path: '.', size: '3M', duration: '30s' })
      const injection = await diskFillFault.inject(ctx)
      const file = injection.targets[0]!
      assert.equal(statSync(file).size, 3_000_000)
      assert.ok(statSync(file).blocks * 512 >= 3_000_000, 'blocks not allocated')
      await injection.revert()
      assert.ok(!existsSync(file))
    } finally {
      process.env['PATH'] = savedPath
    }
  })

  test('a percent already reached writes nothing and says so', async () => {
    const ctx = h.context({ type: 'disk-fill', path: '.', percent: 1, duration: '30s' })
    const injection = await diskFillFault.inject(ctx)
    assert.match(
      h.actions.at(-1)!,
      /not created: filesystem already \d+\.\d% used \(target 1%\): nothing written$/
    )
    assert.ok(!existsSync(injection.targets[0]!))
    await injection.revert()
    assert.ok(!existsSync(injection.targets[0]!))
  })

  test('the path must be an existing directory; nothing is recorded otherwise', async () => {
    const notDir = path.join(h.baseDir, 'file.txt')
    await writeFile(notDir, 'x')
    for (const p of ['missing', 'file.txt']) {
      await assert.rejects(
        diskFillFault.inject(
          h.context({ type: 'disk-fill', path: p, size: '1Mi', duration: '30s' })
        ),
        (error: unknown) =>
          error instanceof FaultInjectionError && /is not an existing directory/.test(error.message)
      )
    }
    assert.deepEqual(h.ledger.pending(), [])
  })

  test('a symlink planted under the fill file name is not followed: its target is untouched', async () => {
    // As a run user would, in the dir it owns: the fill file's name is predictable.
    const victim = path.join(h.baseDir, 'victim.txt')
    await writeFile(victim, 'precious')
    await mkdir(path.join(h.baseDir, 'planted'))
    const ctx = h.context({ type: 'disk-fill', path: 'planted', size: '2MiB', duration: '30s' })
    const file = path.join(h.baseDir, 'planted', fillFileName(h.runId, ctx.fault.id))
    await symlink(victim, file)
    await assert.rejects(
      diskFillFault.inject(ctx),
      (error: unknown) => error instanceof FaultInjectionError && /cannot fill/.test(error.message)
    )
    assert.equal(await readFile(victim, 'utf8'), 'precious')
    assert.deepEqual(h.ledger.pending(), [])
  })

  test('the file name carries the run and the fault, sanitised', () => {
    assert.equal(fillFileName('run 1', 'steps/2.fault'), '.ordeal-fill-run_1-steps_2.fault')
  })

  test('describe', () => {
    assert.deepEqual(
      diskFillFault.describe(
        { type: 'disk-fill', path: 'data', size: '1Gi', duration: '30s' },
        { baseDir: '/srv' }
      ),
      ['create /srv/data/.ordeal-fill-… of 1.0 GiB, removed after 30s']
    )
    assert.deepEqual(
      diskFillFault.describe(
        { type: 'disk-fill', path: '/var/lib', percent: 80, duration: '1m' },
        { baseDir: '/srv' }
      ),
      [
        'fill the filesystem holding /var/lib to 80% used with /var/lib/.ordeal-fill-… (leaving at least 64.0 MiB free), removed after 1m',
      ]
    )
  })
})

describe('disk-fill on a small tmpfs (percent and the 64 MiB floor, for real)', () => {
  let h: FaultHarness
  let mountPoint: string
  let mounted = false
  let mountError = ''
  before(async () => {
    h = await FaultHarness.create()
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'ordeal-fill-fs-'))
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=200m', 'ordeal-test', mountPoint])
      mounted = true
    } catch (error) {
      mountError = (error as Error).message.split('\n')[0]!
    }
  })
  after(async () => {
    await h.cleanup()
    if (mounted) {
      await run('umount', [mountPoint])
    }
    await rm(mountPoint, { recursive: true, force: true })
  })

  const usedPercent = async () => {
    const fs = await statfs(mountPoint)
    const used = fs.blocks - fs.bfree
    return (used / (used + fs.bavail)) * 100
  }

  test('percent fills the filesystem to that percent', async (t) => {
    if (!mounted) {
      t.skip(`cannot mount a tmpfs here (needs root): ${mountError}`)
      return
    }
    const injection = await diskFillFault.inject(
      h.context({ type: 'disk-fill', path: mountPoint, percent: 50, duration: '30s' })
    )
    assert.ok(Math.abs((await usedPercent()) - 50) < 0.5, `used ${await usedPercent()}%`)
    await injection.revert()
    assert.ok((await usedPercent()) < 1)
  })

  test('never leaves less than 64 MiB free', async (t) => {
    if (!mounted) {
      t.skip(`cannot mount a tmpfs here (needs root): ${mountError}`)
      return
    }
    const injection = await diskFillFault.inject(
      h.context({ type: 'disk-fill', path: mountPoint, size: '1Gi', duration: '30s' })
    )
    const fs = await statfs(mountPoint)
    assert.ok(fs.bavail * fs.bsize >= KEEP_FREE_BYTES, `only ${fs.bavail * fs.bsize} bytes left`)
    assert.ok(fs.bavail * fs.bsize < KEEP_FREE_BYTES + MiB)
    assert.match(
      h.actions.at(-1)!,
      /capped at 136\.0 MiB instead of 1\.0 GiB to leave 64\.0 MiB free$/
    )
    await injection.revert()
  })
})
