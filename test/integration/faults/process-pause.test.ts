import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { executeUndo } from '../../../src/safety/undo.js'
import { processPauseFault } from '../../../src/faults/process-pause/index.js'
import { processState } from '../../../src/safety/proc.js'
import { FaultHarness } from '../../support/fault-context.js'
import { waitUntil } from '../../support/fault-proc.js'

const running = (pid: number) => ['S', 'R'].includes(processState(pid) ?? '')

describe('process-pause', () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
  })
  after(() => h.cleanup())

  test('stops the whole group of a group leader and resumes it on revert', async () => {
    const target = await h.spawnTarget({ service: 'grouped', withChild: true })
    const child = target.groupChildPid!
    const injection = await processPauseFault.inject(
      h.context({ type: 'process-pause', target: { service: 'grouped' }, duration: '30s' })
    )
    await waitUntil('leader and child stopped', () =>
      [target.pid, child].every((pid) => processState(pid) === 'T')
    )
    assert.deepEqual(h.actions.at(-1), `SIGSTOP grouped-1 (pid ${target.pid})`)
    await injection.revert()
    await waitUntil('leader and child running', () => [target.pid, child].every(running))
  })

  test('mode all pauses every replica', async () => {
    const targets = await Promise.all([
      h.spawnTarget({ service: 'many' }),
      h.spawnTarget({ service: 'many' }),
    ])
    const injection = await processPauseFault.inject(
      h.context({
        type: 'process-pause',
        target: { service: 'many', mode: 'all' },
        duration: '30s',
      })
    )
    assert.equal(injection.targets.length, 2)
    await waitUntil('both stopped', () => targets.every((t) => processState(t.pid) === 'T'))
    await injection.revert()
    await waitUntil('both running', () => targets.every((t) => running(t.pid)))
  })

  test('the ledger alone resumes a paused process (what ordeal recover does)', async () => {
    const target = await h.spawnTarget({ service: 'orphaned' })
    const ctx = h.context({
      type: 'process-pause',
      target: { service: 'orphaned' },
      duration: '30s',
    })
    await processPauseFault.inject(ctx)
    await waitUntil('stopped', () => processState(target.pid) === 'T')
    // The runner is "gone": only the ledger file is left to undo from.
    const pending = h.ledger.pending().filter((e) => e.faultId === ctx.fault.id)
    assert.equal(pending.length, 1)
    assert.equal(pending[0]!.undo.kind, 'signal')
    await executeUndo(pending[0]!.undo)
    await waitUntil('running again', () => running(target.pid))
  })

  test('describe', () => {
    assert.deepEqual(
      processPauseFault.describe(
        {
          type: 'process-pause',
          target: { service: 'api', mode: 'fixed-percent', value: 50 },
          duration: '10s',
        },
        { baseDir: '/' }
      ),
      ["SIGSTOP 50% of the replicas of service 'api' (mode fixed-percent), SIGCONT after 10s"]
    )
  })
})
