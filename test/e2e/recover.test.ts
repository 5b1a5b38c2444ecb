/**
 * `ordeal recover` beyond the ledger: stray stress workers found by their `ordeal-stress` argv
 * marker are killed; a live run's workers are not. Every process here is started by the test
 * and carries a unique token in its argv, so assertions (and cleanup) only concern our own.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Ledger } from '../../src/safety/ledger.js'
import { processStartTime } from '../../src/safety/proc.js'
import { statSummary } from '../../src/safety/proc-scan.js'
import { alive } from '../support/processes.js'
import { workspace, type Workspace } from '../support/cli.js'
import { withSweepLock } from '../support/sweep-lock.js'

const keepAlive = 'setInterval(() => {}, 1000)'
const token = `recover-test-${randomUUID()}`
const started: number[] = []

/** The worker's argv shape: `ordeal-stress <mode> <deadlineMs> <parentPid> <amount>`, plus our token. */
function workerArgs(parentPid: number): string[] {
  const deadline = String(Date.now() + 10 * 60_000)
  return ['-e', keepAlive, 'ordeal-stress', 'cpu', deadline, String(parentPid), '1', token]
}

/**
 * A stand-in for a runner killed mid-fault: it starts a detached fake worker (which, unlike the
 * real one, never exits by itself: a stuck worker) and is then SIGKILLed, orphaning it.
 */
async function orphanedWorker(): Promise<number> {
  const runnerScript = `
    const { spawn } = require('node:child_process')
    const args = ${JSON.stringify(workerArgs(0))}
    args[5] = String(process.pid)
    const w = spawn(process.execPath, args, { detached: true, stdio: 'ignore' })
    w.unref()
    console.log(w.pid)
    ${keepAlive}`
  const runner = spawn(process.execPath, ['-e', runnerScript, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const pid = Number(await firstLine(runner))
  started.push(pid)
  runner.kill('SIGKILL')
  await new Promise((resolve) => runner.once('exit', resolve))
  await waitFor(() => statSummary(pid)?.ppid !== runner.pid, 'the worker is re-parented')
  return pid
}

/** A fake worker whose parent (this test process) is alive: it belongs to a live run. */
function liveWorker(): number {
  const child = spawn(process.execPath, workerArgs(process.pid), {
    detached: true,
    stdio: 'ignore',
  })
  child.unref()
  started.push(child.pid!)
  return child.pid!
}

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => {
  for (const pid of started) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  ws.cleanup()
})

describe('ordeal recover sweeps stray stress workers', () => {
  test('kills a worker whose runner is gone; a second run has nothing to recover', () =>
    withSweepLock(async () => {
      const pid = await orphanedWorker()
      const first = await ws.run(['recover'])
      assert.equal(first.exitCode, 0, first.stderr)
      assert.match(
        first.stdout,
        new RegExp(
          `^killed: stray cpu stress worker \\(pid ${pid}\\): its runner \\(pid \\d+\\) is gone$`,
          'm'
        )
      )
      assert.equal(alive(pid), false, 'the worker is gone')
      const second = await ws.run(['recover'])
      assert.equal(second.exitCode, 0, second.stderr)
      assert.equal(second.stdout, 'nothing to recover\n')
    }))

  test('leaves the workers of a live run alone', () =>
    withSweepLock(async () => {
      const pid = liveWorker()
      await waitFor(() => statSummary(pid) !== undefined, 'the worker started')
      const r = await ws.run(['recover'])
      assert.equal(r.exitCode, 0, r.stderr)
      assert.doesNotMatch(r.stdout, new RegExp(`pid ${pid}\\)`))
      assert.equal(alive(pid), true, 'a live run keeps its worker')
    }))

  test('a worker its ledger lists is undone once, through the ledger', () =>
    withSweepLock(async () => {
      const pid = await orphanedWorker()
      const ledger = new Ledger('dead-stress-run', path.join(ws.stateDir, 'ledgers'))
      const label = `stop stress worker (pid ${pid})`
      ledger.record(
        'run.0',
        { kind: 'terminate', pid, startTime: processStartTime(pid), label },
        Date.now()
      )
      const first = await ws.run(['recover'])
      assert.equal(first.exitCode, 0, first.stderr)
      const lines = first.stdout.split('\n').filter((l) => l.includes(`pid ${pid})`))
      assert.deepEqual(lines, [`undone: ${label} (run dead-stress-run)`])
      assert.equal(alive(pid), false)
      assert.equal((await ws.run(['recover'])).stdout, 'nothing to recover\n')
    }))
})

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => {
      lines.close()
      resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`exited (${code}) before printing a line`)))
  })
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting until ${what}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
