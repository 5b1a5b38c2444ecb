/**
 * The watchdog judges the runner, not itself (issue 13 §1b): when the watchdog was not
 * scheduled for longer than the lease while the runner kept beating, the heartbeats waiting in
 * its stdin renew the lease, and nothing is undone. A runner that really stops still loses it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ledger } from '../ledger.js'

const kMain = fileURLToPath(new URL('./main.ts', import.meta.url))
// Generous against a loaded machine: the test's own beats (every 50 ms) must never miss it.
const kLeaseMs = 2000

function startWatchdog(dir: string) {
  const ledger = new Ledger('starved', dir)
  const marker = path.join(dir, 'fault-in-place')
  writeFileSync(marker, '')
  ledger.record(
    'f',
    { kind: 'remove-file', path: marker, label: 'the fault' },
    Date.now() + 3_600_000
  )
  const child = spawn(process.execPath, ['--import', 'tsx', kMain, ledger.file, String(kLeaseMs)], {
    stdio: ['pipe', 'ignore', 'pipe'],
  })
  let log = ''
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = []
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    log += chunk
    for (const w of [...waiters]) {
      const m = w.pattern.exec(log)
      if (m) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m[0])
      }
    }
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    marker,
    exited,
    log: () => log,
    /** Resolves with the first log line matching `pattern`, already written or to come. */
    waitFor(pattern: RegExp): Promise<string> {
      const m = pattern.exec(log)
      return m
        ? Promise.resolve(m[0])
        : new Promise((resolve) => waiters.push({ pattern, resolve }))
    },
  }
}

test('a watchdog that was not scheduled reads the heartbeats sent meanwhile, and undoes nothing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-watchdog-'))
  const w = startWatchdog(dir)
  const beat = setInterval(() => w.child.stdin.write('h\n'), 50)
  try {
    await w.waitFor(/watching .* \(lease \d+ ms\)/)
    // A CPU so busy that the watchdog gets no time for twice the lease, while the runner beats.
    w.child.kill('SIGSTOP')
    await sleep(kLeaseMs * 2)
    w.child.kill('SIGCONT')
    const verdict = await w.waitFor(/not scheduled for \d+ ms; .*|lease lapsed.*/)
    assert.match(verdict, /the heartbeats sent meanwhile renew the lease/, w.log())
    assert.ok(existsSync(w.marker), 'the fault is still in place')
  } finally {
    clearInterval(beat)
    w.child.stdin.end('done\n')
    await w.exited
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a runner that stops beating still loses its lease', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-watchdog-'))
  const w = startWatchdog(dir)
  try {
    await w.waitFor(/watching/)
    // Silence, with stdin still open: a hung runner, not a dead one.
    await w.waitFor(/lease lapsed: no heartbeat for \d+ ms/)
    await w.exited
    assert.equal(existsSync(w.marker), false, 'the fault was undone')
  } finally {
    w.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})
