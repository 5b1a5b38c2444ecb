/**
 * The live-run lock (run-lock.ts) is held while the runner or its watchdog lives, and the
 * kernel frees it when both are SIGKILLed, in either order: no pid file, no timeout.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { createLockedLedger, isLedgerLive, tryLockLedger } from '../../../src/safety/run-lock.js'
import { alive } from '../../support/processes.js'
import { until } from '../../support/runner-process.js'
import { repoRoot } from '../../support/cli.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-lock-'))
const pids: number[] = []
after(() => {
  pids.forEach((pid) => kill(pid))
  rmSync(dir, { recursive: true, force: true })
})

/**
 * Reaped, not merely a zombie: a multi-threaded process's leader shows `Z` while its other
 * threads are still exiting and still hold the descriptor table (and so the lock).
 */
const gone = (pid: number) => !existsSync(`/proc/${pid}`)

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}

async function startHolder(
  name: string
): Promise<{ runner: number; watchdog: number; ledger: string }> {
  const ledger = path.join(dir, `${name}.ndjson`)
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test/support/lock-holder.ts'),
      ledger,
      `${ledger}.log`,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)))
  })
  const [runner, watchdog] = line.split(' ').map(Number) as [number, number]
  pids.push(runner, watchdog)
  return { runner, watchdog, ledger }
}

test('held while the runner or the watchdog lives; free once both are SIGKILLed', async () => {
  const a = await startHolder('runner-first')
  assert.equal(isLedgerLive(a.ledger), true, 'both alive')
  kill(a.runner)
  await until(() => gone(a.runner), 5000)
  assert.equal(alive(a.watchdog), true)
  assert.equal(isLedgerLive(a.ledger), true, 'the watchdog alone holds it')
  kill(a.watchdog)
  await until(() => gone(a.watchdog), 5000)
  // An undo command the watchdog was running when killed inherited its fd 3 and holds the lock
  // until it exits (milliseconds): then the kernel releases it.
  await until(() => !isLedgerLive(a.ledger), 5000)

  const b = await startHolder('watchdog-first')
  kill(b.watchdog)
  await until(() => gone(b.watchdog), 5000)
  assert.equal(isLedgerLive(b.ledger), true, 'the runner alone holds it')
  kill(b.runner)
  await until(() => gone(b.runner), 5000)
  assert.equal(isLedgerLive(b.ledger), false, 'both dead: the kernel released it')
})

test('one holder at a time; a missing ledger is gone; released means free', () => {
  const file = path.join(dir, 'local.ndjson')
  assert.equal(tryLockLedger(file), 'gone')
  const lock = createLockedLedger(file)
  assert.equal(tryLockLedger(file), 'held', 'a second open file description conflicts')
  lock.release()
  const again = tryLockLedger(file)
  assert.equal(typeof again, 'object')
  if (typeof again === 'object') {
    again.release()
  }
})
