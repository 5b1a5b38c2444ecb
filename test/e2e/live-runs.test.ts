/**
 * Recovery never touches a live run (issue 12 §3b), through the built CLI: two runs pause a
 * `sleep 300` service each while `ordeal recover` runs during both; a run started while
 * another is in progress does not warn about leftovers; and a fault reverted early by someone
 * else (`ordeal recover --force`) ends the fault window then and makes the verdict `error`.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseJournal } from '../../src/engine/journal.js'
import type { RunResult } from '../../src/engine/result.js'
import { runCli, workspace } from '../support/cli.js'
import { alive, processesMentioning, state } from '../support/processes.js'
import { startRunner, until, type RunnerProcess } from '../support/runner-process.js'
import { withSweepLock } from '../support/sweep-lock.js'

const ws = workspace()
const runners: RunnerProcess[] = []
after(async () => {
  runners.forEach((r) => r.killGroup())
  // Their watchdogs read the ledgers under the workspace: let them finish before it goes.
  await until(() => processesMentioning(ws.dir).length === 0, 10_000).catch(() => {})
  ws.cleanup()
})

const kPauseS = 12

function pauseManifest(name: string, options: { seconds?: number; host?: boolean } = {}) {
  const host = options.host
    ? `\n    networks: [{ name: n1 }]\n    hosts: [{ name: h1, networks: [n1] }]`
    : ''
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the sleeper survives a pause
  system:${host}
    services: [{ name: sleeper, command: sleep, args: ['300'], restart: never }]
  steps:
    - fault: { type: process-pause, target: { service: sleeper }, duration: ${options.seconds ?? kPauseS}s }
`
}

interface LiveRun {
  runner: RunnerProcess
  pid: number
  json: string
  journal: string
  stateDir: string
}

/** Starts a run and resolves once its sleeper is paused (state T in /proc). */
async function startPausing(
  name: string,
  stateDir: string,
  options: { seconds?: number; host?: boolean; leaseMs?: number } = {}
): Promise<LiveRun> {
  mkdirSync(stateDir, { recursive: true })
  const file = ws.write(`${name}.yaml`, pauseManifest(name, options))
  const json = path.join(ws.dir, `${name}.json`)
  const journal = path.join(ws.dir, `${name}.ndjson`)
  const runner = startRunner(['run', file, '--json', json, '--journal', journal], {
    cwd: ws.dir,
    env: {
      ORDEAL_STATE_DIR: stateDir,
      ...(options.leaseMs ? { ORDEAL_LEASE_MS: String(options.leaseMs) } : {}),
    },
  })
  runners.push(runner)
  const m = await runner.waitFor(/process-pause injected on sleeper-0 \(pid (\d+)\)/)
  const pid = Number(m[1])
  await until(() => state(pid) === 'T', 2000)
  // The terminal line can come before the journal file's write lands (a loaded machine).
  await until(
    () => existsSync(journal) && readFileSync(journal, 'utf8').includes('"fault.injected"'),
    10_000
  )
  return { runner, pid, json, journal, stateDir }
}

async function finished(run: LiveRun): Promise<{ code: number | null; result: RunResult }> {
  await run.runner.exited
  assert.ok(existsSync(run.json), run.runner.output())
  return {
    code: run.runner.child.exitCode,
    result: JSON.parse(readFileSync(run.json, 'utf8')) as RunResult,
  }
}

function windowMs(result: RunResult): number {
  const f = result.faults[0]!
  return Date.parse(f.revertedAt!) - Date.parse(f.injectedAt!)
}

describe('recovery and live runs', () => {
  test('ordeal recover during two runs sharing a state directory touches neither', async () => {
    const stateDir = path.join(ws.dir, 'shared-state')
    const [a, b] = await Promise.all([
      startPausing('live-a', stateDir),
      startPausing('live-b', stateDir),
    ])
    const r = await withSweepLock(() =>
      runCli(['recover'], { cwd: ws.dir, env: { ORDEAL_STATE_DIR: stateDir } })
    )
    assert.equal(r.exitCode, 0, r.stderr)
    // Other test files may leave strays of their own for recover to sweep: look at ours only.
    assert.doesNotMatch(r.stdout, /^(undone|killed): .*live-[ab]-/m, r.stdout)
    assert.match(r.stdout, /^skipped: run live-a-\S+ is in progress$/m, r.stdout)
    assert.match(r.stdout, /^skipped: run live-b-\S+ is in progress$/m, r.stdout)
    // Still paused, still alive: recover neither resumed nor ended them.
    assert.equal(state(a.pid), 'T')
    assert.equal(state(b.pid), 'T')
    for (const run of [a, b]) {
      const { code, result } = await finished(run)
      assert.equal(code, 0, run.runner.output())
      assert.equal(result.verdict, 'pass')
      assert.equal(result.resilienceScore, 100)
      assert.ok(windowMs(result) >= kPauseS * 1000 - 50, `full window: ${windowMs(result)} ms`)
      assert.equal(alive(run.pid), false, 'the run ended its own service')
    }
  })

  test('a run in progress is no leftover for a run with another state directory, nor for recover', async () => {
    const a = await startPausing('live-host', path.join(ws.dir, 'state-1'), { host: true })
    const b = ws.write('quick.yaml', pauseManifest('quick', { seconds: 1 }))
    const otherState = { ORDEAL_STATE_DIR: path.join(ws.dir, 'state-2') }
    const quick = await runCli(['run', b], { cwd: ws.dir, env: otherState })
    assert.equal(quick.exitCode, 0, quick.stderr)
    assert.doesNotMatch(quick.stderr, /leftover/, quick.stderr)
    const namespaces = parseJournal(readFileSync(a.journal, 'utf8')).flatMap((e) =>
      e.type === 'network.created' ? e.namespaces : []
    )
    assert.equal(namespaces.length, 1)
    const r = await withSweepLock(() => runCli(['recover'], { cwd: ws.dir, env: otherState }))
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^skipped: run live-host-\S+ is in progress$/m, r.stdout)
    assert.doesNotMatch(
      r.stdout,
      new RegExp(`^(undone|killed): .*(live-host|${namespaces[0]})`, 'm'),
      r.stdout
    )
    assert.ok(existsSync(`/run/netns/${namespaces[0]}`), 'the live run keeps its host')
    assert.equal(state(a.pid), 'T')
    const { code, result } = await finished(a)
    assert.equal(code, 0, a.runner.output())
    assert.equal(result.verdict, 'pass')
  })

  test('recover --force reverts a live run early: the window ends then and the verdict is error', async () => {
    const stateDir = path.join(ws.dir, 'forced-state')
    const run = await startPausing('forced', stateDir, { seconds: 60 })
    const r = await withSweepLock(() =>
      runCli(['recover', '--force'], { cwd: ws.dir, env: { ORDEAL_STATE_DIR: stateDir } })
    )
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /^undone: SIGCONT sleeper-0/m, r.stdout)
    const forcedAt = Date.now()
    const { code, result } = await finished(run)
    assert.equal(code, 3, run.runner.output())
    assert.equal(result.verdict, 'error')
    assert.match(result.reason ?? '', /reverted early by ordeal recover --force/)
    assert.equal(result.resilienceScore, 0, 'the fault did not hold as planned')
    const revertedAt = Date.parse(result.faults[0]!.revertedAt!)
    assert.ok(revertedAt <= forcedAt, 'the window ends when recover undid it, not later')
    assert.ok(windowMs(result) < 30_000)
    const events = parseJournal(readFileSync(run.journal, 'utf8'))
    const reverted = events.filter((e) => e.type === 'fault.reverted')
    assert.equal(reverted.length, 1, 'one end of the fault window')
  })

  test('the watchdog reverts a hung run: once resumed, the run says so and ends in error', async () => {
    const stateDir = path.join(ws.dir, 'hung-state')
    const run = await startPausing('hung', stateDir, { seconds: 60, leaseMs: 1500 })
    const runnerPid = run.runner.child.pid!
    process.kill(runnerPid, 'SIGSTOP') // alive, lock held, but no heartbeat: the lease lapses
    let resumedAt: number
    try {
      await until(() => !alive(run.pid), 10_000) // the watchdog resumed it and ended the system
    } finally {
      resumedAt = Date.now()
      process.kill(runnerPid, 'SIGCONT')
    }
    const { code, result } = await finished(run)
    assert.equal(code, 3, run.runner.output())
    assert.equal(result.verdict, 'error')
    assert.match(result.reason ?? '', /reverted early by watchdog \(lease lapsed/)
    assert.ok(Date.parse(result.faults[0]!.revertedAt!) < resumedAt)
  })

  test('ordeal run first undoes what a run killed with its watchdog left, and says so in its journal', async () => {
    const stateDir = path.join(ws.dir, 'dead-state')
    const dead = await startPausing('dead-cli', stateDir, { seconds: 60 })
    const runId = parseJournal(readFileSync(dead.journal, 'utf8')).find(
      (e) => e.type === 'run.started'
    )!
    assert.ok(runId.type === 'run.started')
    const ledger = path.join(stateDir, 'ledgers', `${runId.runId}.ndjson`)
    const watchdogs = processesMentioning(ledger).map((line) => Number(line.split(':')[0]))
    assert.equal(watchdogs.length, 1)
    // The whole tree, watchdog first, so nothing undoes in between (an OOM or cgroup kill).
    watchdogs.forEach((pid) => process.kill(pid, 'SIGKILL'))
    dead.runner.killGroup()
    await dead.runner.exited
    await until(() => !watchdogs.some(alive), 5000)
    assert.equal(state(dead.pid), 'T', 'left paused: nobody else will undo it')

    const next = ws.write('next.yaml', pauseManifest('next', { seconds: 1 }))
    const r = await runCli(['run', next], { cwd: ws.dir, env: { ORDEAL_STATE_DIR: stateDir } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`recovered run ${runId.runId}: undone SIGCONT sleeper-0`))
    assert.match(r.stderr, new RegExp(`recovered run ${runId.runId}: undone service sleeper-0`))
    assert.doesNotMatch(r.stderr, /leftover/)
    assert.equal(alive(dead.pid), false, 'resumed, then ended with its system')
    assert.equal(existsSync(ledger), false)
    const last = parseJournal(readFileSync(dead.journal, 'utf8')).at(-1)!
    assert.equal(last.type, 'run.recovered')
    assert.ok(last.type === 'run.recovered' && last.by === 'ordeal run start-up')
  })
})
