import assert from 'node:assert/strict'
import { after, beforeEach, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { processKillFault } from '../../../src/faults/process-kill/index.js'
import type { FaultParamsOf } from '../../../src/faults/contract.js'
import { FaultHarness } from '../../support/fault-context.js'
import { isGone, waitUntil } from '../../support/fault-proc.js'

type Params = FaultParamsOf<'process-kill'>

describe('process-kill', () => {
  let h: FaultHarness
  const harnesses: FaultHarness[] = []
  beforeEach(async () => {
    h = await FaultHarness.create()
    harnesses.push(h)
  })
  after(async () => {
    for (const harness of harnesses) {
      await harness.cleanup()
    }
  })

  const params = (extra: Partial<Params> = {}): Params => ({
    type: 'process-kill',
    target: { service: 'api' },
    duration: '30s',
    ...extra,
  })

  test('kills the whole process group of a group leader', async () => {
    const target = await h.spawnTarget({ withChild: true })
    assert.ok(target.groupChildPid && !isGone(target.groupChildPid))
    const injection = await processKillFault.inject(h.context(params()))
    await waitUntil(
      'leader and child gone',
      () => isGone(target.pid) && isGone(target.groupChildPid!)
    )
    assert.deepEqual(injection.targets, [`api-1 (pid ${target.pid})`])
    assert.deepEqual(h.actions, [`SIGKILL api-1 (pid ${target.pid})`])
    await injection.revert()
  })

  test('sends the configured signal', async () => {
    const target = await h.spawnTarget()
    const injection = await processKillFault.inject(h.context(params({ signal: 'SIGTERM' })))
    await waitUntil('target gone after SIGTERM', () => isGone(target.pid))
    assert.deepEqual(h.actions, [`SIGTERM api-1 (pid ${target.pid})`])
    await injection.revert()
  })

  test('mode all kills every replica once without interval', async () => {
    const targets = await Promise.all([h.spawnTarget(), h.spawnTarget(), h.spawnTarget()])
    const injection = await processKillFault.inject(
      h.context(params({ target: { service: 'api', mode: 'all' } }))
    )
    await waitUntil('all gone', () => targets.every((t) => isGone(t.pid)))
    assert.equal(injection.targets.length, 3)
    assert.equal(h.ledger.pending().length, 3)
    await injection.revert()
    assert.equal(h.ledger.pending().length, 0)
  })

  test('with interval, re-selects and kills until the fault signal aborts', async () => {
    const targets = await Promise.all([h.spawnTarget(), h.spawnTarget(), h.spawnTarget()])
    const ctx = h.context(params({ interval: '50ms' }))
    const injection = await processKillFault.inject(ctx)
    // One per round: all three are gone after three rounds, then rounds find nobody to kill.
    await waitUntil('every replica killed', () => targets.every((t) => isGone(t.pid)))
    await waitUntil('a round that found no target', () =>
      h.actions.some((a) =>
        a.startsWith("SIGKILL round skipped: no running targets for service 'api'")
      )
    )
    assert.equal(h.actions.filter((a) => /^SIGKILL api-\d \(pid \d+\)$/.test(a)).length, 3)
    assert.equal(injection.targets.length, 3)

    ctx.controller.abort()
    await injection.revert()
    const late = await h.spawnTarget()
    // Proving an absence takes time: several intervals pass and the late replica survives.
    await sleep(250)
    assert.ok(!isGone(late.pid), 'killed after the fault ended')
    assert.equal(h.ledger.pending().length, 0)
  })

  test('revert stops the repeat loop and waits for it', async () => {
    await h.spawnTarget()
    const injection = await processKillFault.inject(h.context(params({ interval: '40ms' })))
    await injection.revert()
    const actionsAfterRevert = h.actions.length
    const late = await h.spawnTarget()
    await sleep(200)
    assert.ok(!isGone(late.pid), 'the loop kept running after revert')
    assert.equal(h.actions.length, actionsAfterRevert)
    await injection.revert()
  })

  test('no running target fails the injection and records nothing', async () => {
    await assert.rejects(
      processKillFault.inject(h.context(params({ target: { service: 'nobody' } }))),
      (error: unknown) =>
        error instanceof FaultInjectionError &&
        error.message === "no running targets for service 'nobody'"
    )
    assert.deepEqual(h.ledger.pending(), [])
  })

  test('an unknown signal or a zero interval fails the injection before acting', async () => {
    const target = await h.spawnTarget()
    await assert.rejects(
      processKillFault.inject(h.context(params({ signal: 'SIGNOPE' }))),
      FaultInjectionError
    )
    await assert.rejects(
      processKillFault.inject(h.context(params({ interval: '0s' }))),
      FaultInjectionError
    )
    assert.ok(!isGone(target.pid))
    assert.deepEqual(h.ledger.pending(), [])
  })

  test('targets an attached process by name', async () => {
    const legacy = await h.spawnTarget({ attach: 'legacy' })
    const other = await h.spawnTarget()
    const injection = await processKillFault.inject(
      h.context(params({ target: { attach: 'legacy' } }))
    )
    await waitUntil('legacy gone', () => isGone(legacy.pid))
    assert.ok(!isGone(other.pid))
    await injection.revert()
  })

  test('describe', () => {
    assert.deepEqual(processKillFault.describe(params({ interval: '5s' }), { baseDir: '/' }), [
      "SIGKILL 1 of the replicas of service 'api' (mode one), every 5s for 30s",
    ])
    assert.deepEqual(
      processKillFault.describe(
        params({ signal: 'SIGTERM', target: { service: 'api', mode: 'fixed', value: 2 } }),
        { baseDir: '/' }
      ),
      ["SIGTERM 2 of the replicas of service 'api' (mode fixed)"]
    )
  })
})
