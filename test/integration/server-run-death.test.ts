/**
 * Review item 9, against the built CLI: a run process AND its watchdog are SIGKILLed mid-fault
 * while the server stays up. The server notices the run process died without ending its run,
 * waits for the run's lock to be free, and undoes the ledger itself with start-up recovery's
 * code: the paused service is no longer stopped (checked in /proc, independently of ordeal),
 * the log says each undo, and the run's journal holds `run.recovered`, all without a restart.
 */
import assert from 'node:assert/strict'
import { existsSync, readlinkSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  apiFetch,
  startChaosCenter,
  startExperimentRun,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { workspace, type Workspace } from '../support/cli.js'
import { openStream } from '../support/sse.js'
import { alive, processesMentioning, state } from '../support/processes.js'
import { until } from '../support/runner-process.js'
import { statSummary } from '../../src/safety/proc-scan.js'
import { processCommandLine } from '../../src/safety/proc.js'
import type { RunSummary } from '../../src/shared/api.js'

const pauser = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: run-death }
spec:
  hypothesis: the sleeper survives a pause
  deadline: 10m
  system:
    services:
      - { name: sleeper, command: sleep, args: ['300'], restart: never }
  steps:
    - fault: { type: process-pause, target: { service: sleeper }, duration: 5m }
`

let center: ChaosCenter
let ws: Workspace
let sleeper: number | undefined

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
})

after(async () => {
  if (sleeper !== undefined && alive(sleeper)) {
    process.kill(sleeper, 'SIGKILL')
  }
  await center.dispose()
  ws.cleanup()
})

const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

test('run process and watchdog SIGKILLed mid-fault: the running server recovers the run', async () => {
  const runId = (await startExperimentRun(center, pauser)).id
  const stream = await openStream(`${center.url}/api/runs/${runId}/stream`, center.ownerToken)
  const injected = await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected'
  )
  assert.ok(injected)
  const events = stream.messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  const ready = events.find((e) => e.type === 'service.started')
  assert.ok(ready?.type === 'service.started')
  sleeper = ready.pid
  await until(() => state(ready.pid) === 'T', 2000)

  // The service's parent is its run process; the watchdog names the run's ledger in its argv.
  const runProcess = statSummary(ready.pid)?.ppid ?? 0
  assert.match(
    processCommandLine(runProcess) ?? '',
    /platforms\/local\/run-process\/process\.(js|ts)/
  )
  const ledgerFile = path.join(ws.stateDir, 'ledgers', `${runId}.ndjson`)
  const watchdogs = processesMentioning(ledgerFile).map((line) => Number(line.split(':')[0]))
  assert.equal(watchdogs.length, 1, 'one watchdog for the run')
  // Its private tree (the service's cwd is its work/ leaf), left behind by a killed process.
  const tree = path.dirname(readlinkSync(`/proc/${ready.pid}/cwd`))
  assert.match(tree, /\/ordeal-run-death-[^/]+$/)
  // The watchdog first, so nothing of the run undoes in between.
  for (const pid of [...watchdogs, runProcess]) {
    process.kill(pid, 'SIGKILL')
  }

  const recovered = await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'run.recovered'),
    'run.recovered',
    60_000
  )
  const event =
    recovered.event === 'journal' && recovered.data.find((e) => e.type === 'run.recovered')
  assert.ok(event && event.type === 'run.recovered')
  assert.match(event.by, /ordeal server/)
  assert.ok(
    event.undone.some((label) => label.startsWith('SIGCONT sleeper-')),
    String(event.undone)
  )
  assert.deepEqual(event.failed, [])

  // /proc, independently of ordeal: nothing left stopped; the server is still the same process.
  assert.notEqual(state(ready.pid), 'T', 'the paused service was resumed')
  assert.equal(center.child.exitCode, null, 'the server kept running')
  assert.match(center.output(), new RegExp(`recovered run ${runId}: undone SIGCONT sleeper-0`))
  // The server closes the stream once the run's end is recorded.
  await stream.closed
  assert.equal(existsSync(tree), false, `the server removed the dead run's tree ${tree}`)
  const run = await api<RunSummary>(`/api/runs/${runId}`)
  // As after a restart's recovery (server-recovery.test.ts): never a pass.
  assert.equal(run.json.verdict, 'interrupted')
})
