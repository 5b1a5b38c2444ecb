/**
 * kill -9 of the runner and its process group: the watchdog, outside that group, undoes the
 * fault from the ledger alone and ends the system ordeal launched, within the lease + 2 s.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { alive, state } from '../support/processes.js'
import { startRunner, until } from '../support/runner-process.js'

const kLeaseMs = 1500

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

test('examples/safety/kill-me.yaml: kill -9 the runner group, the paused process resumes and the system ends', async () => {
  const runner = startRunner(['run', path.join(repoRoot, 'examples/safety/kill-me.yaml')], {
    cwd: ws.dir,
    env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
  })
  const m = await runner.waitFor(/process-pause injected on sleeper-0 \(pid (\d+)\)/)
  const pid = Number(m[1])
  await until(() => state(pid) === 'T', 1000) // the stop is being delivered as the line prints
  runner.killGroup()
  await runner.exited
  const took = await until(() => !alive(pid), kLeaseMs + 2000)
  assert.ok(took <= kLeaseMs + 2000)
  const runDir = path.join(ws.stateDir, 'runs', readdirSync(path.join(ws.stateDir, 'runs'))[0]!)
  // The watchdog logs the service's end once its stop has finished, a moment after the process
  // is gone: wait for that line rather than reading the log the instant the pid disappears.
  const readLog = () => readFileSync(path.join(runDir, 'watchdog.log'), 'utf8')
  await until(() => readLog().includes('service sleeper-0'), 10_000)
  const log = readLog()
  assert.match(log, /runner gone without finishing/)
  // Newest first: the pause is undone before the system it paused is ended.
  assert.ok(log.indexOf('SIGCONT sleeper-0') < log.indexOf('service sleeper-0'), log)
})

test('an attached process paused by a killed runner is resumed, and left running', async () => {
  const external = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
    detached: true,
  })
  after(() => {
    try {
      process.kill(-external.pid!, 'SIGKILL')
    } catch {
      // gone
    }
  })
  const file = ws.write(
    'attached.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: attached }
spec:
  hypothesis: h
  system:
    attach: [{ name: legacy, pid: ${external.pid} }]
  steps:
    - fault: { type: process-pause, target: { attach: legacy }, duration: 10m }
`
  )
  const runner = startRunner(['run', file], {
    cwd: ws.dir,
    env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
  })
  await runner.waitFor(/process-pause injected on legacy/)
  await until(() => state(external.pid!) === 'T', 1000)
  runner.killGroup()
  await until(() => state(external.pid!) !== 'T', kLeaseMs + 2000)
  assert.ok(alive(external.pid!), 'a process ordeal did not start is never ended')
})

test('a hung runner (SIGSTOP) loses its lease: the watchdog undoes after the lease lapses', async () => {
  const runner = startRunner(['run', path.join(repoRoot, 'examples/safety/kill-me.yaml')], {
    cwd: ws.dir,
    env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
  })
  const m = await runner.waitFor(/process-pause injected on sleeper-0 \(pid (\d+)\)/)
  const pid = Number(m[1])
  await until(() => state(pid) === 'T', 1000)
  process.kill(runner.child.pid!, 'SIGSTOP') // alive, pipe open, but no more heartbeats
  try {
    const took = await until(() => !alive(pid), kLeaseMs + 2000)
    assert.ok(took >= kLeaseMs - 600, `not before the lease lapsed (${took} ms)`)
  } finally {
    runner.killGroup()
  }
})
