/**
 * clock-skew against a real program launched under libfaketime (the real launch hook and
 * driver): offset, drift, jumps and undo, each seen in the program's own clock output.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { existsSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { clockSkewFault } from '../../../src/faults/clock-skew/index.js'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { executeUndo } from '../../../src/safety/undo.js'
import {
  FAKETIME_FILE_VAR,
  LIBFAKETIME_SO,
} from '../../../src/platforms/local/preload/libfaketime.js'
import { readEnviron } from '../../../src/platforms/local/preload/environ.js'
import { FaultHarness } from '../../support/fault-context.js'
import {
  programSample,
  programSkewMs,
  spawnClockTarget,
  waitForSkew,
} from '../../support/clock-program.js'
import { isGone, waitUntil } from '../../support/fault-proc.js'
import type { SpawnedTarget } from '../../support/fault-context.js'

/** Ends a target (the harness unrefs its children: poll /proc, not the exit event). */
async function stop(target: SpawnedTarget): Promise<void> {
  target.child.kill('SIGKILL')
  await waitUntil('the target to exit', () => isGone(target.pid, target.startTime))
}

const skip = existsSync(LIBFAKETIME_SO) ? false : `${LIBFAKETIME_SO} not installed (libfaketime)`

describe('clock-skew on a program under libfaketime', { skip }, () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
  })
  after(() => h.cleanup())

  test('an offset moves the program clock, and revert brings it back', async () => {
    const target = await spawnClockTarget(h)
    await waitForSkew(target, 0)
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'api' },
      offset: '-90s',
      duration: '30s',
    })
    const injection = await clockSkewFault.inject(ctx)
    assert.deepEqual(injection.targets, [`${target.label} (pid ${target.pid})`])
    await waitForSkew(target, -90_000)
    await injection.revert()
    await waitForSkew(target, 0)
    await injection.revert()
    await waitForSkew(target, 0)
    await stop(target)
  })

  test('a second clock-skew on the same replica is refused in one line while the first holds', async () => {
    const target = await spawnClockTarget(h, { service: 'twice' })
    const params = {
      type: 'clock-skew',
      target: { service: 'twice' },
      offset: '-90s',
      duration: '30s',
    } as const
    const first = await clockSkewFault.inject(h.context(params))
    const before = h.ledger.pending().length
    await assert.rejects(
      clockSkewFault.inject(h.context({ ...params, offset: '+1h' })),
      (error: Error) => {
        assert.ok(error instanceof FaultInjectionError)
        assert.doesNotMatch(error.message, /\n/)
        assert.match(error.message, /another clock-skew holds its clock/)
        return true
      }
    )
    assert.equal(h.ledger.pending().length, before, 'the refused one recorded nothing')
    await waitForSkew(target, -90_000)
    await first.revert()
    // Released with the revert: the replica can be skewed again.
    const again = await clockSkewFault.inject(h.context(params))
    await again.revert()
    await waitForSkew(target, 0)
    await stop(target)
  })

  test('a drift makes the program clock run faster from the injection on, without a jump', async () => {
    const target = await spawnClockTarget(h, { service: 'drift' })
    // Old enough that an uncompensated rate would jump it by (age × 2) ≥ 6 s at once.
    await waitUntil('the program to be 3 s old', () => Date.now() - target.spawnedAt >= 3000, {
      timeoutMs: 5000,
    })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'drift' },
      drift: 3,
      duration: '30s',
    })
    const injectedAt = Date.now()
    const injection = await clockSkewFault.inject(ctx)
    // A drift grows 2 s per real second from the injection: when it first shows (libfaketime
    // reads its file within a second), it is at most 2 × the time since the injection.
    const first = await waitUntil('the drift to show', () => {
      const skew = programSkewMs(target.clockFile)
      return skew >= 300 ? { skew, elapsed: Date.now() - injectedAt } : undefined
    })
    assert.ok(
      first.skew <= 2 * first.elapsed + 500,
      `skew of ${first.skew} ms ${first.elapsed} ms after the injection: a jump, not a drift`
    )
    // The rate from the program's own pairs (wall clock, monotonic clock), each read at one
    // instant: no staleness of the file or delay of this test's reads enters it.
    const sample1 = programSample(target.clockFile)!
    const sample2 = await waitUntil(
      '2 s of the program monotonic clock',
      () => {
        const sample = programSample(target.clockFile)!
        return sample.mono - sample1.mono >= 2000 ? sample : undefined
      },
      { timeoutMs: 4000 }
    )
    const rate = (sample2.wall - sample1.wall) / (sample2.mono - sample1.mono)
    assert.ok(Math.abs(rate - 3) < 0.1, `the program clock ran at x${rate.toFixed(3)}, not x3`)
    await injection.revert()
    await waitForSkew(target, 0)
    await stop(target)
  })

  test('jumps move the program clock mid-window, forward then back', async () => {
    const target = await spawnClockTarget(h, { service: 'jumps' })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'jumps' },
      offset: '+10s',
      jumps: [
        // libfaketime reads its file every second or two: each phase lasts longer than that.
        { at: '3s', by: '+1h' },
        { at: '6s', by: '-2h' },
      ],
      duration: '30s',
    })
    const injection = await clockSkewFault.inject(ctx)
    await waitForSkew(target, 10_000)
    await waitForSkew(target, 3_610_000, { timeoutMs: 6000 })
    await waitForSkew(target, -3_590_000, { timeoutMs: 6000 })
    assert.ok(
      h.actions.some((a) => a.startsWith('clock jumps +3600s')),
      h.actions.join('\n')
    )
    await injection.revert()
    await waitForSkew(target, 0)
    await stop(target)
  })

  test('the ledger entry alone (the watchdog after a runner SIGKILL) resets the clock', async () => {
    const target = await spawnClockTarget(h, { service: 'ledger' })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'ledger' },
      offset: '+2h',
      duration: '30s',
    })
    await clockSkewFault.inject(ctx)
    await waitForSkew(target, 7_200_000)
    const [entry] = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    assert.equal(entry?.undo.kind, 'write-file')
    // What the watchdog runs: the entry's data only, no state of the injection.
    await executeUndo(entry!.undo)
    await waitForSkew(target, 0)
    h.ledger.markUndone(entry!.id)
    await stop(target)
  })

  test('a target launched without the preload is refused in one line, before any record', async () => {
    const target = await spawnClockTarget(h, { service: 'plain', preload: false })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'plain' },
      offset: '-90s',
      duration: '30s',
    })
    const before = h.ledger.pending().length
    await assert.rejects(clockSkewFault.inject(ctx), (error: Error) => {
      assert.ok(error instanceof FaultInjectionError)
      assert.doesNotMatch(error.message, /\n/)
      assert.match(error.message, /service plain .*preload: \[libfaketime\]/)
      return true
    })
    assert.equal(h.ledger.pending().length, before)
    assert.ok(Math.abs(programSkewMs(target.clockFile)) < 1000)
    await stop(target)
  })

  test('a target whose environment names another file is refused, that file untouched', async () => {
    // A process can rewrite its own environment; ordeal, as root, must not write where it says.
    const victim = path.join(h.baseDir, 'victim')
    // libfaketime reads the first line as the time (and exits on one it cannot parse).
    writeFileSync(victim, '+0 x1\nprecious\n')
    const target = await h.spawnTarget({
      service: 'spoofed',
      env: { LD_PRELOAD: LIBFAKETIME_SO, FAKETIME_TIMESTAMP_FILE: victim },
    })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'spoofed' },
      offset: '-90s',
      duration: '30s',
    })
    const before = h.ledger.pending().length
    await assert.rejects(clockSkewFault.inject(ctx), /is not the timestamp file ordeal made/)
    assert.equal(h.ledger.pending().length, before)
    assert.equal(readFileSync(victim, 'utf8'), '+0 x1\nprecious\n')
    await stop(target)
  })

  test("a target naming another replica's real timestamp file is refused: no skew by proxy", async () => {
    // The file is ordeal's own, well named, under a preload dir: only its path is someone else's
    // (another service here; another run's is the same case).
    const other = await spawnClockTarget(h)
    const othersFile = readEnviron(other.pid)![FAKETIME_FILE_VAR]!
    const before = readFileSync(othersFile, 'utf8')
    const target = await h.spawnTarget({
      service: 'spoofed',
      env: { LD_PRELOAD: LIBFAKETIME_SO, FAKETIME_TIMESTAMP_FILE: othersFile },
    })
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'spoofed' },
      offset: '+2h',
      duration: '30s',
    })
    await assert.rejects(clockSkewFault.inject(ctx), /is not the timestamp file ordeal made/)
    assert.equal(readFileSync(othersFile, 'utf8'), before)
    await stop(target)
    await stop(other)
  })

  test('a timestamp file swapped for a symlink is refused, and its target left alone', async () => {
    const target = await spawnClockTarget(h, { service: 'swapped' })
    const file = path.join(target.controlDir!, 'faketime.rc')
    const victim = path.join(h.baseDir, 'victim')
    writeFileSync(victim, 'precious\n')
    renameSync(file, `${file}.old`)
    symlinkSync(victim, file)
    const ctx = h.context({
      type: 'clock-skew',
      target: { service: 'swapped' },
      offset: '-90s',
      duration: '30s',
    })
    await assert.rejects(clockSkewFault.inject(ctx), /symlink.*left alone/)
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n')
    await stop(target)
  })
})
