/**
 * The fault phase's two modes against a real server, with a recording stand-in for the run's
 * fault machinery (the real one is exercised by test/e2e/capacity.test.ts): per-trial injects
 * around every trial; held ends the phase, with a note, when the fault's window closes first.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runCapacity } from '../../../src/capacity/run.js'
import type { CapacitySpec } from '../../../src/capacity/spec.js'
import type { FaultHooks } from '../../../src/engine/fault-step.js'
import type { Fault } from '../../../src/experiment/model.js'
import type { CapacityTrial } from '../../../src/shared/capacity.js'
import { sleep } from '../../../src/shared/duration.js'
import { capacitySpec } from '../../support/capacity/spec.js'
import { startServer, type TestServer } from '../../support/capacity/servers.js'

const fault: Fault = {
  id: 'run.0/fault',
  type: 'process-kill',
  afterMs: 0,
  durationMs: 60_000,
  params: { type: 'process-kill', target: { service: 'api' }, duration: '1m' } as Fault['params'],
}

function spec(port: number, over: Partial<CapacitySpec>): CapacitySpec {
  return capacitySpec(port, { start: 100, max: 200, precision: 0.5, fault, ...over })
}

describe('the fault phase', () => {
  let server: TestServer
  before(async () => {
    server = await startServer('token-bucket.mjs', { RATE: '1000' })
  })
  after(() => server.stop())

  test('per-trial: one injection around each fault-phase trial, reverted after it', async () => {
    const windows: { id: string; from: number; to?: number; holdMs: number }[] = []
    const trials: CapacityTrial[] = []
    const result = await runCapacity(
      'run.0',
      'find',
      spec(server.port, { faultMode: 'per-trial' }),
      {
        emit: () => undefined,
        signal: new AbortController().signal,
        onTrial: (t) => trials.push(t),
        fault: async (f: Fault, hooks: FaultHooks) => {
          const w: (typeof windows)[number] = { id: f.id, from: Date.now(), holdMs: f.durationMs }
          windows.push(w)
          hooks.injected(f.durationMs)
          await sleep(f.durationMs, hooks.release)
          w.to = Date.now()
          hooks.reverted()
          return undefined
        },
      }
    )
    const faultTrials = trials.filter((t) => t.phase === 'fault')
    assert.equal(result?.fault?.mode, 'per-trial')
    assert.equal(windows.length, faultTrials.length)
    assert.deepEqual(
      windows.map((w) => w.id),
      faultTrials.map((_, i) => `run.0/fault.${i}`)
    )
    faultTrials.forEach((t, i) => {
      assert.ok(windows[i]!.from <= t.startedAt && t.endedAt <= windows[i]!.to!)
      // Released when the trial ended, well before its hold (trial + timeout + 1 s) ran out.
      assert.equal(windows[i]!.holdMs, 2000 + 2000 + 1000)
    })
    assert.ok(
      trials.filter((t) => t.phase === 'baseline').every((t) => t.endedAt <= windows[0]!.from)
    )
  })

  test('held: a fault window that closes first ends the phase with a note', async () => {
    const result = await runCapacity(
      'run.0',
      'find',
      spec(server.port, { start: 50, max: 5000, precision: 0.05 }),
      {
        emit: () => undefined,
        signal: new AbortController().signal,
        fault: async (f: Fault, hooks: FaultHooks) => {
          hooks.injected(f.durationMs)
          // The fault's duration runs out after about two trials.
          await sleep(4500, hooks.release)
          hooks.reverted()
          return undefined
        },
      }
    )
    const phase = result?.fault
    assert.ok(phase)
    assert.ok(phase.trials >= 1 && phase.trials <= 3, String(phase.trials))
    assert.match(phase.note ?? '', /cut short/)
    assert.ok(result.baseline.trials > phase.trials)
  })

  test('a fault that cannot be injected ends the step in error', async () => {
    await assert.rejects(
      runCapacity('run.0', 'find', spec(server.port, {}), {
        emit: () => undefined,
        signal: new AbortController().signal,
        fault: () => Promise.resolve('inject failed: no such service'),
      }),
      /fault process-kill could not be carried out: inject failed: no such service/
    )
  })
})
