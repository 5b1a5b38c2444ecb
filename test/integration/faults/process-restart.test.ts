/**
 * process-restart against the RecordingSupervisorDouble: these tests check what the driver asks
 * the supervisor to do; the real restart is tested with LocalSupervisor in test/integration/platforms/local.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { processRestartFault } from '../../../src/faults/process-restart/index.js'
import { FaultHarness } from '../../support/fault-context.js'

describe('process-restart', () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
    for (let replica = 1; replica <= 3; replica++) {
      await h.spawnTarget({ service: 'api', replica })
    }
    await h.spawnTarget({ attach: 'legacy' })
  })
  after(() => h.cleanup())

  test('restarts every selected replica with the grace period, after recording', async () => {
    h.supervisor.restarts.length = 0
    const ctx = h.context({
      type: 'process-restart',
      target: { service: 'api', mode: 'all' },
      gracePeriod: '1500ms',
      duration: '30s',
    })
    const injection = await processRestartFault.inject(ctx)
    assert.deepEqual(
      [...h.supervisor.restarts].sort((a, b) => a.index - b.index),
      [1, 2, 3].map((index) => ({ service: 'api', index, graceMs: 1500 }))
    )
    assert.equal(injection.targets.length, 3)
    const pending = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    assert.deepEqual(
      pending.map((e) => e.undo.kind),
      ['none', 'none', 'none']
    )
    assert.ok(h.actions.some((a) => /^restart api-2 \(pid \d+\), grace 1\.5s$/.test(a)))
    await injection.revert()
    assert.equal(h.ledger.pending().length, 0)
  })

  test('refuses an attached process: ordeal cannot start it again', async () => {
    h.supervisor.restarts.length = 0
    await assert.rejects(
      processRestartFault.inject(
        h.context({ type: 'process-restart', target: { attach: 'legacy' }, duration: '30s' })
      ),
      /needs a service target/
    )
    assert.deepEqual(h.supervisor.restarts, [])
  })

  test('a supervisor failure is a FaultInjectionError naming the replica', async () => {
    h.supervisor.failWith = new Error('replica did not become ready')
    try {
      await assert.rejects(
        processRestartFault.inject(
          h.context({ type: 'process-restart', target: { service: 'api' }, duration: '30s' })
        ),
        (error: unknown) =>
          error instanceof FaultInjectionError &&
          /^cannot restart api-\d \(pid \d+\): replica did not become ready$/.test(error.message)
      )
    } finally {
      h.supervisor.failWith = undefined
    }
  })

  test('describe', () => {
    assert.deepEqual(
      processRestartFault.describe(
        { type: 'process-restart', target: { service: 'api' }, duration: '30s' },
        { baseDir: '/' }
      ),
      ["restart 1 of the replicas of service 'api' (mode one) (SIGTERM, SIGKILL after 5s)"]
    )
  })
})
