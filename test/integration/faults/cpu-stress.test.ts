import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { pendingEntries } from '../../../src/safety/ledger.js'
import { executeUndo } from '../../../src/safety/undo.js'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import { cpuStressFault } from '../../../src/faults/cpu-stress/index.js'
import { STRESS_MARKER, workerPath } from '../../../src/faults/stress/spawn.js'
import { processCommandLine } from '../../../src/safety/proc.js'
import { FaultHarness, stressWorkerPids } from '../../support/fault-context.js'
import { cpuTicks, isGone, schedNs, waitUntil } from '../../support/fault-proc.js'

const kTicksPerSecond = 100 // USER_HZ on Linux

const workerPids = (h: FaultHarness, faultId: string) =>
  h.ledger
    .pending()
    .filter((e) => e.faultId === faultId)
    .map((e) => (e.undo.kind === 'terminate' ? e.undo.pid : -1))

describe('cpu-stress', () => {
  let h: FaultHarness
  before(async () => {
    h = await FaultHarness.create()
  })
  after(async () => {
    await h.cleanup()
    assert.deepEqual(h.stressWorkers(), [], 'stress workers left behind')
  })

  test('workers are recognisable as ordeal-stress and start from this module’s extension', async () => {
    assert.match(workerPath, /stress\/worker\.ts$/) // running from source under tsx
    const ctx = h.context({ type: 'cpu-stress', workers: 1, load: 10, duration: '30s' })
    const injection = await cpuStressFault.inject(ctx)
    const [pid] = workerPids(h, ctx.fault.id)
    const cmdline = processCommandLine(pid!)!
    assert.ok(cmdline.includes(`${STRESS_MARKER} cpu ${ctx.deadline} ${process.pid} 10`), cmdline)
    assert.match(injection.targets[0]!, /^ordeal-stress cpu 1\/1 \(pid \d+\)$/)
    await injection.revert()
    assert.ok(isGone(pid!))
  })

  test('load bounds the CPU a worker uses', async () => {
    const ctx = h.context({ type: 'cpu-stress', workers: 1, load: 30, duration: '30s' })
    const injection = await cpuStressFault.inject(ctx)
    const [pid] = workerPids(h, ctx.fault.id)
    const t0 = process.hrtime.bigint()
    const c0 = cpuTicks(pid!)!
    const s0 = schedNs(pid!)!
    // Measure over about a second of wall time (ten 100 ms duty cycles).
    await waitUntil('a second of wall time', () => process.hrtime.bigint() - t0 >= 1_000_000_000n, {
      timeoutMs: 2000,
    })
    const wallNs = Number(process.hrtime.bigint() - t0)
    const used = ((cpuTicks(pid!)! - c0) / kTicksPerSecond) * 1e9
    const s1 = schedNs(pid!)!
    await injection.revert()
    // On a busy machine the worker gets less CPU than it asks for, never more: the ceiling is
    // checked on the CPU it used, the floor on the CPU it asked for (on a CPU or waiting for one),
    // so other load on this shared machine cannot fail either bound.
    const share = used / wallNs
    const asked = (s1.run - s0.run + (s1.wait - s0.wait)) / wallNs
    assert.ok(share < 0.5, `worker used ${share.toFixed(2)} of a core at load 30`)
    assert.ok(asked > 0.1, `worker asked for ${asked.toFixed(2)} of a core at load 30`)
  })

  test('a worker exits by itself when the fault deadline passes', async () => {
    const deadline = Date.now() + 1500
    const ctx = h.context(
      { type: 'cpu-stress', workers: 1, load: 10, duration: '1s' },
      { deadline }
    )
    const injection = await cpuStressFault.inject(ctx)
    const [pid] = workerPids(h, ctx.fault.id)
    assert.ok(!isGone(pid!))
    await waitUntil('the worker to exit on its own', () => isGone(pid!), { timeoutMs: 5000 })
    assert.ok(Date.now() >= deadline - 100, 'worker exited well before its deadline')
    await injection.revert() // nothing left to kill; still succeeds and clears the ledger
    assert.deepEqual(workerPids(h, ctx.fault.id), [])
  })

  test('an aborted fault fails the injection and leaves no worker', async () => {
    const ctx = h.context({ type: 'cpu-stress', workers: 2, duration: '30s' })
    ctx.controller.abort()
    await assert.rejects(cpuStressFault.inject(ctx), FaultInjectionError)
    assert.deepEqual(workerPids(h, ctx.fault.id), [])
    await waitUntil('no worker left', () => h.stressWorkers().length === 0)
  })

  test('killing the parent (ordeal) leaves no worker behind', async () => {
    const parentScript = fileURLToPath(new URL('../../support/stress-parent.ts', import.meta.url))
    const parent = spawn(process.execPath, ['--import', 'tsx', parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => parent.once('exit', resolve))
    let out = ''
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    const line = await waitUntil(
      'the parent to report its workers',
      () => /^\{.*\}\n/.exec(out)?.[0],
      {
        timeoutMs: 15_000,
      }
    )
    const info = JSON.parse(line) as {
      pids: number[]
      ledgerFile: string
      stateDir: string
      baseDir: string
    }
    try {
      assert.equal(info.pids.length, 2)
      assert.deepEqual(stressWorkerPids(parent.pid!).sort(), [...info.pids].sort())
      parent.kill('SIGKILL')
      await exited
      // The worker checks its parent every second.
      await waitUntil(
        'workers to notice their parent is gone',
        () => info.pids.every((p) => isGone(p)),
        {
          timeoutMs: 3000,
        }
      )
      // The ledger still lists them, for `ordeal recover`; undoing them now is harmless.
      const pending = pendingEntries(info.ledgerFile)
      assert.equal(pending.length, 2)
      for (const entry of pending) {
        await executeUndo(entry.undo)
      }
    } finally {
      parent.kill('SIGKILL')
      for (const pid of info.pids) {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // gone, as expected
        }
      }
      await rm(info.stateDir, { recursive: true, force: true })
      await rm(info.baseDir, { recursive: true, force: true })
    }
  })

  test('describe', () => {
    assert.deepEqual(
      cpuStressFault.describe(
        { type: 'cpu-stress', workers: 2, load: 80, duration: '30s' },
        { baseDir: '/' }
      ),
      ['burn 80% of a core in each of 2 worker processes (ordeal-stress) for 30s']
    )
  })
})
