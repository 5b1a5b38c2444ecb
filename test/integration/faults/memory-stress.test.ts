import assert from 'node:assert/strict'
import os from 'node:os'
import { after, before, describe, test } from 'node:test'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { checkBounds, memoryStressFault } from '../../../src/faults/memory-stress/index.js'
import { FaultHarness } from '../../support/fault-context.js'
import { isGone, rssBytes, waitUntil } from '../../support/fault-proc.js'

const MiB = 1024 ** 2

describe('memory-stress', () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
  })
  after(async () => {
    await h.cleanup()
    assert.deepEqual(h.stressWorkers(), [], 'stress workers left behind')
  })

  test('holds the memory resident until revert', async () => {
    const ctx = h.context({ type: 'memory-stress', size: '96Mi', duration: '30s' })
    const injection = await memoryStressFault.inject(ctx)
    const entry = h.ledger.pending().find((e) => e.faultId === ctx.fault.id)!
    assert.equal(entry.undo.kind, 'terminate')
    const pid = entry.undo.kind === 'terminate' ? entry.undo.pid : -1
    // inject resolves once the worker has touched every page, so RSS is already there.
    assert.ok((rssBytes(pid) ?? 0) >= 96 * MiB, `RSS ${rssBytes(pid)}`)
    assert.deepEqual(h.actions.at(-1), `ordeal-stress memory (pid ${pid}) holds 96.0 MiB`)
    await injection.revert()
    assert.ok(isGone(pid))
  })

  test('a worker exits by itself at the deadline', async () => {
    const deadline = Date.now() + 1500
    const ctx = h.context({ type: 'memory-stress', size: '16Mi', duration: '1s' }, { deadline })
    const injection = await memoryStressFault.inject(ctx)
    const entry = h.ledger.pending().find((e) => e.faultId === ctx.fault.id)!
    const pid = entry.undo.kind === 'terminate' ? entry.undo.pid : -1
    await waitUntil('the worker to exit on its own', () => isGone(pid), { timeoutMs: 5000 })
    await injection.revert()
  })

  test('refuses more than half of physical memory, before starting anything', async () => {
    const tooMuch = Math.ceil(os.totalmem() / 2) + MiB
    await assert.rejects(
      memoryStressFault.inject(
        h.context({ type: 'memory-stress', size: tooMuch, duration: '30s' })
      ),
      (error: unknown) =>
        error instanceof FaultInjectionError && /half of physical memory/.test(error.message)
    )
    assert.deepEqual(h.ledger.pending(), [])
    assert.deepEqual(h.stressWorkers(), [])
  })

  test('bounds: half of total, and 256 MiB always left free', () => {
    const total = 8192 * MiB
    assert.doesNotThrow(() => checkBounds(1024 * MiB, total, 2048 * MiB))
    assert.throws(() => checkBounds(4097 * MiB, total, 8000 * MiB), /half of physical memory/)
    assert.throws(() => checkBounds(1800 * MiB, total, 2048 * MiB), /less than 256\.0 MiB free/)
    assert.doesNotThrow(() => checkBounds(1792 * MiB, total, 2048 * MiB))
    assert.throws(() => checkBounds(0, total, 2048 * MiB), FaultInjectionError)
  })

  test('describe', () => {
    assert.deepEqual(
      memoryStressFault.describe(
        { type: 'memory-stress', size: '1Gi', duration: '30s' },
        { baseDir: '/' }
      ),
      ['hold 1.0 GiB of resident memory in a worker process (ordeal-stress) for 30s']
    )
  })
})
