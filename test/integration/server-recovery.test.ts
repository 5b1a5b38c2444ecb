/**
 * Restart recovery (issue 12 §3), against the built CLI: the server AND its run's watchdog are
 * SIGKILLed together mid-fault (as an OOM or cgroup kill does), leaving a replica SIGSTOPped,
 * three services orphaned and three host namespaces behind. The restarted server undoes the
 * run's ledger before it accepts work, logs each undo, and the run's stored journal says so;
 * /proc and /run/netns are checked independently of ordeal. A run of `ordeal run` in progress
 * in the same state directory at that moment is left alone (its lock is held).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  allRunEvents,
  apiFetch,
  startChaosCenter,
  startExperimentRun,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { workspace, type Workspace } from '../support/cli.js'
import { openStream } from '../support/sse.js'
import { alive, processesMentioning, state } from '../support/processes.js'
import { startRunner, until as untilMs, type RunnerProcess } from '../support/runner-process.js'
import type { Run } from '../../src/shared/api.js'

const sleeper = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: crash-pause }
spec:
  hypothesis: the sleepers survive a pause
  deadline: 10m
  system:
    networks: [{ name: n }]
    hosts: [{ name: h1, networks: [n] }, { name: h2, networks: [n] }, { name: h3, networks: [n] }]
    services:
      - { name: sleeper, command: sleep, args: ['300'], replicas: 3, hosts: [h1, h2, h3], restart: never }
  steps:
    - fault: { type: process-pause, target: { service: sleeper, mode: one }, duration: 5m }
`

let center: ChaosCenter
let ws: Workspace
const runners: RunnerProcess[] = []

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
})

after(async () => {
  runners.forEach((r) => r.killGroup())
  // Their watchdogs read the ledgers under the state dir: let them finish before it goes.
  await untilMs(() => processesMentioning(ws.stateDir).length === 0, 10_000).catch(() => {})
  await center.dispose()
  ws.cleanup()
})

const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

const allEvents = (runId: string) => allRunEvents(center, runId, 500)

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}

test('server and watchdog SIGKILLed mid-fault: the restarted server undoes the run first and says so', async () => {
  const runId = (await startExperimentRun(center, sleeper)).id
  const stream = await openStream(`${center.url}/api/runs/${runId}/stream`, center.ownerToken)
  await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected'
  )
  const events = stream.messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  const pids = events.flatMap((e) => (e.type === 'service.started' ? [e.pid] : []))
  const namespaces = events.flatMap((e) => (e.type === 'network.created' ? e.namespaces : []))
  assert.equal(pids.length, 3)
  assert.equal(namespaces.length, 3)
  await untilMs(() => pids.some((pid) => state(pid) === 'T'), 2000)
  const paused = pids.find((pid) => state(pid) === 'T')!

  // A run of `ordeal run` in progress in the same state directory: not the restart's business.
  // Started before the crash, so its own start-up recovery had nothing dead to undo.
  const cliFile = ws.write(
    'cli-live.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: cli-live }
spec:
  hypothesis: h
  system:
    services: [{ name: other, command: sleep, args: ['300'], restart: never }]
  steps:
    - fault: { type: process-pause, target: { service: other }, duration: 8s }
`
  )
  const cli = startRunner(['run', cliFile], {
    cwd: ws.dir,
    env: { ORDEAL_STATE_DIR: ws.stateDir },
  })
  runners.push(cli)
  const m = await cli.waitFor(/process-pause injected on other-0 \(pid (\d+)\)/)
  const cliPaused = Number(m[1])
  await untilMs(() => state(cliPaused) === 'T', 2000)

  // The run's private tree (a service's cwd is its work/ leaf): the killed run process leaves it.
  const tree = path.dirname(readlinkSync(`/proc/${pids[0]}/cwd`))
  assert.match(tree, /\/ordeal-crash-pause-[^/]+$/)

  // The whole tree at once: the watchdog first, so nothing undoes in between.
  const ledgerFile = path.join(ws.stateDir, 'ledgers', `${runId}.ndjson`)
  const watchdogs = processesMentioning(ledgerFile).map((line) => Number(line.split(':')[0]))
  assert.equal(watchdogs.length, 1, 'one watchdog for the run')
  watchdogs.forEach(kill)
  await center.kill9()
  await stream.closed
  await untilMs(() => !watchdogs.some(alive), 5000)
  // Nobody is left to undo: this is what the issue found after a restart.
  assert.equal(state(paused), 'T')
  assert.ok(pids.every(alive), 'the services are orphaned')
  assert.ok(existsSync(ledgerFile))

  assert.ok(existsSync(tree))

  await center.restart()
  assert.equal(existsSync(tree), false, `the restarted server removed the dead run's tree ${tree}`)

  // /proc and /run/netns, independently of ordeal: nothing stopped, nothing orphaned, no host.
  assert.deepEqual(pids.filter(alive), [], 'no orphaned service')
  assert.deepEqual(
    namespaces.filter((ns) => existsSync(path.join('/run/netns', ns))),
    [],
    'no namespace left'
  )
  assert.ok(
    !readdirSync('/sys/class/net').some((l) => l.startsWith(namespaces[0]!.slice(0, 9))),
    'no link left'
  )
  assert.equal(existsSync(ledgerFile), false, 'the ledger is fully undone')
  assert.equal(state(cliPaused), 'T', 'the live run of ordeal run was not touched')

  // The log says each undo; the run's journal records the recovery.
  const log = center.output()
  assert.match(log, new RegExp(`recovered run ${runId}: undone SIGCONT sleeper-\\d`))
  assert.match(log, new RegExp(`recovered run ${runId}: undone service sleeper-0`))
  assert.match(log, new RegExp(`recovered run ${runId}: undone remove namespace ${namespaces[0]}`))
  assert.doesNotMatch(log, /recovered run cli-live/)
  const run = await api<Run>(`/api/runs/${runId}`)
  assert.equal(run.json.status, 'interrupted')
  const journal = await allEvents(runId)
  const recovered = journal.filter((e) => e.type === 'run.recovered')
  assert.equal(recovered.length, 1)
  const r = recovered[0]!
  assert.ok(r.type === 'run.recovered')
  assert.equal(r.by, 'ordeal server start-up')
  assert.match(r.reason, /runner and watchdog gone/)
  assert.ok(r.undone.some((label) => label.startsWith('SIGCONT sleeper-')))
  assert.equal(r.undone.filter((label) => label.startsWith('service sleeper-')).length, 3)
  assert.deepEqual(r.failed, [])
  // Newest first: the pause is undone before the services are ended.
  assert.ok(
    r.undone.findIndex((l) => l.startsWith('SIGCONT')) <
      r.undone.indexOf(r.undone.find((l) => l.startsWith('service'))!)
  )

  // The live CLI run carries on to its own end and passes.
  await cli.exited
  assert.equal(cli.child.exitCode, 0, cli.output())
})
