/**
 * syscall-error against a real C program under the libfiu preload, observed through the
 * program's own report of each call's result: writes fail with the chosen errno at about the
 * chosen probability while the fault holds, and succeed again after the revert, whether the
 * runner reverts or the ledger's recorded undo runs alone (as the watchdog runs it).
 */
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, test } from 'node:test'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { syscallErrorFault } from '../../../src/faults/syscall-error/index.js'
import type { SyscallErrorParams } from '../../../src/faults/syscall-error/schema.js'
import { executeUndo } from '../../../src/safety/undo.js'
import {
  fiuCtrlArgv,
  processFileOwner,
  runFiuCtrl,
} from '../../../src/platforms/local/preload/fiu-control.js'
import { runUser } from '../../support/run-as.js'
import { FaultHarness } from '../../support/fault-context.js'
import { isGone, waitUntil } from '../../support/fault-proc.js'
import { fiuEnv, fiuWriterBinary, tally, writerLines } from '../../support/fiu-writer.js'

const params = (over: Partial<SyscallErrorParams>): SyscallErrorParams => ({
  type: 'syscall-error',
  target: { service: 'api', mode: 'all' },
  calls: ['posix/io/rw/write'],
  probability: 1,
  duration: '30s',
  ...over,
})

/** Lines printed from now on: the function returned gives them later. */
function mark(out: string) {
  const from = writerLines(out).length
  return () => writerLines(out).slice(from)
}

describe('syscall-error', () => {
  let h: FaultHarness
  beforeEach(async () => {
    h = await FaultHarness.create()
  })
  afterEach(() => h.cleanup())

  /** Starts the writer as replica `api-N`; with `preload: false` it runs without libfiu. */
  async function writer(options: { preload?: boolean; fork?: boolean; name?: string } = {}) {
    const name = options.name ?? 'w'
    const out = path.join(h.baseDir, `${name}.out`)
    const data = path.join(h.baseDir, `${name}.data`)
    const target = await h.spawnTarget({
      service: 'api',
      argv: [fiuWriterBinary(), data, '500', ...(options.fork ? ['fork'] : [])],
      env: options.preload === false ? {} : fiuEnv(h.baseDir),
      stdoutFile: out,
    })
    await waitUntil('the writer to report', () => writerLines(out).length > 0)
    return { target, out, data }
  }

  test('p=0.5 EIO: about half the writes fail, all with EIO, fsync untouched; none after revert', async () => {
    const { out } = await writer()
    const injection = await syscallErrorFault.inject(
      h.context(params({ errno: 'EIO', probability: 0.5 }))
    )
    const during = mark(out)
    await waitUntil('200 writes under the fault', () => tally(during(), 'write').calls >= 200, {
      timeoutMs: 20_000,
    })
    const under = tally(during(), 'write')
    // Binomial(n ≥ 200, 0.5): 30 %-70 % is more than 5 standard deviations either side.
    const share = under.failed / under.calls
    assert.ok(share > 0.3 && share < 0.7, `${under.failed}/${under.calls} writes failed`)
    assert.deepEqual([...under.failures.keys()], ['EIO'])
    assert.equal(tally(during(), 'fsync').failed, 0, 'fsync was not chosen')

    await injection.revert()
    const after = mark(out)
    await waitUntil('100 writes after the revert', () => tally(after(), 'write').calls >= 102)
    // The first round may be one that failed just before the disable and printed after it.
    assert.equal(tally(after().slice(2), 'write').failed, 0)
  })

  test('a second syscall-error on the same calls of a process is refused while the first holds', async () => {
    const { out } = await writer()
    const first = await syscallErrorFault.inject(h.context(params({ errno: 'EIO' })))
    const before = h.ledger.pending().length
    // posix/io/rw/* holds posix/io/rw/write: its disable would end the first one's failures.
    await assert.rejects(
      syscallErrorFault.inject(h.context(params({ calls: ['posix/io/rw/*'], errno: 'ENOSPC' }))),
      (error: Error) => {
        assert.ok(error instanceof FaultInjectionError)
        assert.doesNotMatch(error.message, /\n/)
        assert.match(error.message, /another syscall-error holds posix\/io\/rw\/write/)
        return true
      }
    )
    assert.equal(h.ledger.pending().length, before, 'the refused one recorded nothing')
    // Other calls of the same process are no conflict.
    const fsyncs = await syscallErrorFault.inject(
      h.context(params({ calls: ['posix/io/sync/fsync'], errno: 'EIO' }))
    )
    const during = mark(out)
    await waitUntil('writes to fail with EIO', () => tally(during(), 'write').failures.has('EIO'))
    await fsyncs.revert()
    await first.revert()
    // Released with the revert: the same calls can fail again.
    const again = await syscallErrorFault.inject(h.context(params({ errno: 'ENOSPC' })))
    await again.revert()
  })

  test('without errno, each failure takes one of the errnos fsync documents', async () => {
    const { out } = await writer()
    const injection = await syscallErrorFault.inject(
      h.context(params({ calls: ['posix/io/sync/*'] }))
    )
    const during = mark(out)
    await waitUntil('50 fsyncs under the fault', () => tally(during(), 'fsync').calls >= 52)
    // The first round may be one that ran just before the enable and printed after it.
    const under = tally(during().slice(2), 'fsync')
    assert.equal(under.failed, under.calls, 'probability 1 fails every call')
    // libfiu's posix.io.mod: fsync's valid errnos, one drawn at random per failure.
    for (const errno of under.failures.keys()) {
      assert.ok(['EBADFD', 'EIO', 'EROFS', 'EINVAL'].includes(errno), errno)
    }
    assert.ok(under.failures.size > 1, 'one errno only: not drawn at random')
    assert.equal(tally(during(), 'write').failed, 0)
    await injection.revert()
  })

  test("reaches a worker the target forked, and the revert switches the worker's calls back on", async () => {
    const { out } = await writer({ fork: true })
    // The worker's remote control starts in fork's child handler: wait for its fifo.
    await waitUntil(
      'two control fifos',
      () => readdirSync(h.baseDir).filter((f) => /^fiu-\d+\.in$/.test(f)).length === 2
    )
    const injection = await syscallErrorFault.inject(h.context(params({ errno: 'ENOSPC' })))
    // The worker writes its report to the same stdout: both processes' writes fail.
    assert.equal(h.actions.filter((a) => a.includes('fail with ENOSPC always')).length, 2)
    const during = mark(out)
    await waitUntil('40 writes under the fault', () => tally(during(), 'write').calls >= 44)
    // Each process may still report one write (and its fsync) that ran before its switch-on:
    // the report line comes after the call. Skip those four lines, as after the revert.
    const switched = during().slice(4)
    assert.equal(tally(switched, 'write').failed, tally(switched, 'write').calls)
    await injection.revert()
    const after = mark(out)
    await waitUntil('40 writes after the revert', () => tally(after(), 'write').calls >= 44)
    assert.equal(tally(after().slice(4), 'write').failed, 0)
  })

  test('the recorded undo alone (what the watchdog runs) switches the failures off', async () => {
    const { out } = await writer()
    const ctx = h.context(params({ errno: 'EIO' }))
    await syscallErrorFault.inject(ctx)
    const during = mark(out)
    await waitUntil('a failed write', () => tally(during(), 'write').failed > 0)
    const entries = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    assert.equal(entries.length, 1)
    assert.equal(entries[0]!.undo.kind, 'command')
    for (const entry of entries) {
      await executeUndo(entry.undo)
    }
    const after = mark(out)
    await waitUntil('20 writes after the undo', () => tally(after(), 'write').calls >= 22)
    assert.equal(tally(after().slice(2), 'write').failed, 0)
    // Once more, as `ordeal recover` would after the watchdog: still success.
    await executeUndo(entries[0]!.undo)
  })

  test('an undo for a process that is gone succeeds', async () => {
    const { target } = await writer()
    const ctx = h.context(params({ errno: 'EIO' }))
    await syscallErrorFault.inject(ctx)
    process.kill(-target.pid, 'SIGKILL')
    await waitUntil('the writer to be gone', () => isGone(target.pid, target.startTime))
    const [entry] = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    await executeUndo(entry!.undo)
  })

  test('the undo of a stopped target fails saying it is stopped, and works once continued', async () => {
    const { target, out } = await writer()
    const ctx = h.context(params({ errno: 'EIO' }))
    await syscallErrorFault.inject(ctx)
    const [entry] = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    process.kill(target.pid, 'SIGSTOP')
    try {
      // fiu-ctrl waits its 10 s for an answer that cannot come.
      await assert.rejects(executeUndo(entry!.undo), (error: Error) => {
        assert.doesNotMatch(error.message, /\n/)
        assert.match(error.message, new RegExp(`pid ${target.pid} is stopped \\(SIGSTOP`))
        return true
      })
    } finally {
      process.kill(target.pid, 'SIGCONT')
    }
    await executeUndo(entry!.undo)
    const after = mark(out)
    await waitUntil('22 writes after the undo', () => tally(after(), 'write').calls >= 22)
    assert.equal(tally(after().slice(2), 'write').failed, 0)
  })

  test('a control prefix fiu-ctrl would split or glob is refused in one line naming it', async () => {
    const odd = path.join(h.baseDir, 'state dir*', 'fiu')
    mkdirSync(path.dirname(odd))
    await h.spawnTarget({
      service: 'api',
      argv: [fiuWriterBinary(), path.join(h.baseDir, 'odd.data'), '500'],
      env: { ...fiuEnv(h.baseDir), FIU_CTRL_FIFO: odd },
      stdoutFile: path.join(h.baseDir, 'odd.out'),
    })
    await waitUntil(
      'the writer to report',
      () => writerLines(path.join(h.baseDir, 'odd.out')).length > 0
    )
    await assert.rejects(
      syscallErrorFault.inject(h.context(params({ errno: 'EIO' }))),
      (error: Error) => {
        assert.ok(error instanceof FaultInjectionError)
        assert.doesNotMatch(error.message, /\n/)
        assert.match(
          error.message,
          /control prefix ".*state dir\*\/fiu" has characters fiu-ctrl cannot take/
        )
        return true
      }
    )
    assert.deepEqual(h.ledger.pending(), [], 'nothing recorded for a refused fault')
  })

  test('a target not launched under libfiu is refused in one line naming service and field', async () => {
    const { out } = await writer({ preload: false })
    const ctx = h.context(params({ errno: 'EIO' }))
    await assert.rejects(syscallErrorFault.inject(ctx), (error: Error) => {
      assert.ok(error instanceof FaultInjectionError)
      assert.doesNotMatch(error.message, /\n/)
      assert.match(error.message, /api-\d+ \(pid \d+\) was not launched under the libfiu preload/)
      assert.match(error.message, /add `preload: \[libfiu\]` to service 'api'/)
      return true
    })
    assert.deepEqual(h.ledger.pending(), [], 'nothing recorded for a refused fault')
    const since = mark(out)
    await waitUntil('10 more writes', () => tally(since(), 'write').calls >= 10)
    assert.equal(tally(since(), 'write').failed, 0)
  })

  test('one refused target among several: nothing is touched', async () => {
    const good = await writer({ name: 'good' })
    await writer({ name: 'bare', preload: false })
    await assert.rejects(
      syscallErrorFault.inject(h.context(params({ errno: 'EIO' }))),
      FaultInjectionError
    )
    assert.deepEqual(h.ledger.pending(), [])
    const since = mark(good.out)
    await waitUntil('10 more writes', () => tally(since(), 'write').calls >= 10)
    assert.equal(tally(since(), 'write').failed, 0)
  })
})

describe(
  'syscall-error on a process that runs as another user',
  { skip: runUser === undefined && 'needs root and the ordeal user' },
  () => {
    let h: FaultHarness
    let control: string
    beforeEach(async () => {
      h = await FaultHarness.create()
      // The user must reach its control dir through ours (mkdtemp made it 0700).
      chmodSync(h.baseDir, 0o711)
      control = path.join(h.baseDir, 'control')
      mkdirSync(control)
      chownSync(control, runUser!.uid, runUser!.gid)
    })
    afterEach(() => h.cleanup())

    const drop = () => [
      'setpriv',
      `--reuid=${runUser!.uid}`,
      `--regid=${runUser!.gid}`,
      '--clear-groups',
      '--',
    ]

    /** The writer as the ordeal user, under the preload from after the drop (as `env` sets it). */
    async function writerAsUser(preloadBeforeDrop = false) {
      const out = path.join(h.baseDir, 'user.out')
      const preload = fiuEnv(control)
      const argv = preloadBeforeDrop
        ? [...drop(), fiuWriterBinary(), path.join(control, 'data'), '500']
        : [
            ...drop(),
            'env',
            ...Object.entries(preload).map(([k, v]) => `${k}=${v}`),
            fiuWriterBinary(),
            path.join(control, 'data'),
            '500',
          ]
      const target = await h.spawnTarget({
        service: 'api',
        argv,
        env: preloadBeforeDrop ? preload : {},
        stdoutFile: out,
      })
      await waitUntil('the writer to report', () => writerLines(out).length > 0)
      return { target, out, fifo: path.join(control, `fiu-${target.pid}.in`) }
    }

    test('is spoken to as that user, and its writes fail and recover', async () => {
      const { out } = await writerAsUser()
      const ctx = h.context(params({ errno: 'EIO' }))
      const injection = await syscallErrorFault.inject(ctx)
      const [entry] = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
      assert.ok(entry?.undo.kind === 'command')
      assert.deepEqual(entry.undo.argv.slice(0, 5), drop())
      const during = mark(out)
      await waitUntil('a failed write', () => tally(during(), 'write').failures.has('EIO'))
      await injection.revert()
      const after = mark(out)
      await waitUntil('20 writes after the revert', () => tally(after(), 'write').calls >= 22)
      assert.equal(tally(after().slice(2), 'write').failed, 0)
    })

    test('a control fifo swapped for a symlink is refused, and what it points to is untouched', async () => {
      const { fifo } = await writerAsUser()
      const secret = path.join(h.baseDir, 'secret')
      writeFileSync(secret, 'root only\n', { mode: 0o644 })
      renameSync(fifo, `${fifo}.moved`)
      symlinkSync(secret, fifo)
      await assert.rejects(
        syscallErrorFault.inject(h.context(params({ errno: 'EIO' }))),
        /is not a fifo; not touching it/
      )
      assert.deepEqual(h.ledger.pending(), [])
      assert.equal(readFileSync(secret, 'utf8'), 'root only\n')
    })

    test('even swapped after the check, fiu-ctrl runs as the user and cannot write through it', async () => {
      const { target, fifo } = await writerAsUser()
      const secret = path.join(h.baseDir, 'secret')
      writeFileSync(secret, 'root only\n', { mode: 0o644 })
      renameSync(fifo, `${fifo}.moved`)
      symlinkSync(secret, fifo)
      // What the driver runs, as it would run it right after a check the swap came too late for.
      const owner = processFileOwner(target.pid)!
      const argv = fiuCtrlArgv(
        fifo.replace(/-\d+\.in$/, ''),
        [target.pid],
        ['enable name=posix/io/rw/write'],
        owner
      )
      const outcome = await runFiuCtrl(argv)
      assert.equal(outcome.ok, false)
      assert.equal(readFileSync(secret, 'utf8'), 'root only\n')
    })

    test('the preload loaded before the privilege drop: refused, saying why', async () => {
      await writerAsUser(true)
      await assert.rejects(
        syscallErrorFault.inject(h.context(params({ errno: 'EIO' }))),
        /its libfiu remote control did not start: .* belongs to uid 0, the process runs as uid \d+ \(the preload was loaded before the privilege drop\)/
      )
      assert.deepEqual(h.ledger.pending(), [])
    })
  }
)
