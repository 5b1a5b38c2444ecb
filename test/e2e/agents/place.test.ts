/**
 * Placing runs on a remote agent (issue 14 items 1 and 4), with real processes: a Chaos Center
 * on a bridge, `ordeal agent` in its own network namespace ("host a"), and the built CLI's
 * `ordeal run --server --agent` from the root namespace. The agent really runs the experiment
 * in host a: its probe reads host a's own addresses from /proc/net. Also the queue (reason,
 * cancel, timeout, nothing run by an agent that connects later) and replacement by name.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { apiFetch } from '../../support/chaos-center.js'
import { runCli, workspace } from '../../support/cli.js'
import { createFleet, HEARTBEAT_MS, type AgentProcess, type Fleet } from '../../support/fleet.js'
import { startRunner } from '../../support/runner-process.js'
import {
  assertGapless,
  eventually,
  getRun,
  journalOf,
  listRuns,
  pauseManifest,
  recordedRunId,
  stepLines,
  toldLines,
  waitForAgent,
  writeManifest,
} from './checks.js'

let fleet: Fleet
let agentA: AgentProcess
let editorTokenFile: string
const ws = workspace()

before(async () => {
  fleet = await createFleet({ hosts: ['a', 'b'] })
  editorTokenFile = (await fleet.token('ci', 'editor')).file
  // Agent b has a token (so it is registered) but is not started until the queue tests end.
  await fleet.token('b')
  agentA = await fleet.startAgent('a', { labels: { zone: 'eu' } })
})
after(async () => {
  await fleet?.close()
  ws.cleanup()
})

/** `ordeal run FILE --server URL --token-file EDITOR ...placement` from the root namespace. */
function placed(file: string, placement: string[], extra: string[] = []) {
  return runCli(
    [
      'run',
      file,
      '--server',
      fleet.serverUrl,
      '--token-file',
      editorTokenFile,
      ...placement,
      ...extra,
    ],
    { cwd: path.dirname(file), env: { ORDEAL_STATE_DIR: ws.stateDir }, timeoutMs: 120_000 }
  )
}

/** A probe that passes only where host a's address is one of the machine's own (/proc/net). */
function inHostA(name: string, extraProbe = ''): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: it runs in host a
  system:
    services: [{ name: sleeper, command: sleep, args: ['300'], restart: never }]
  steps:
    - fault: { type: process-pause, target: { service: sleeper }, duration: 1s }
    - wait: 200ms
      probes:
        - { name: in-host-a, type: cmd, mode: EOT, command: 'grep -qwF ${fleet.address('a')} /proc/net/fib_trie' }${extraProbe}
`
}

describe('runs placed on an agent', () => {
  test('/api/agents lists the agent as connected, with its labels', async () => {
    const { value: row } = await waitForAgent(fleet, 'a', (a) => a?.connected === true, 'connected')
    assert.deepEqual(row!.labels, { zone: 'eu' })
    assert.ok(row!.connectedSince, 'connectedSince is set')
    assert.ok(row!.addresses.includes(fleet.address('a')), JSON.stringify(row))
    const b = (await waitForAgent(fleet, 'b', (x) => x !== undefined, 'registered')).value
    assert.equal(b!.connected, false, 'b has a token but never connected')
  })

  test('placed by name: the same step lines as a local run, exit 0, recorded on the agent', async () => {
    const file = writeManifest(ws.dir, 'by-name', inHostA('by-name'))
    const json = path.join(ws.dir, 'by-name.json')
    const report = path.join(ws.dir, 'by-name-report')
    const r = await placed(file, ['--agent', 'a'], ['--json', json, '--report', report])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    // --report on a placed run: the same file, from the journal the run streams back.
    assert.match(r.stdout, /^report: .*by-name-report\/report\.html$/m)
    const html = readFileSync(path.join(report, 'report.html'), 'utf8')
    assert.match(html, /data-testid="verdict">PASS</)
    assert.match(html, /"faultType":"process-pause"/)
    assert.match(r.stderr + r.stdout, /running on agent a/)
    // The same experiment run locally prints the same steps (its probe fails locally: the
    // address is host a's), so compare the step lines up to the probe.
    const local = await ws.run(['run', file])
    const steps = (out: string) => stepLines(out).filter((l) => !l.includes('in-host-a'))
    assert.deepEqual(steps(r.stdout), steps(local.stdout))
    assert.ok(
      steps(r.stdout).some((l) => l.startsWith('⚡ process-pause injected')),
      r.stdout
    )
    const id = recordedRunId(r.stdout)
    const run = await getRun(fleet, id)
    assert.equal(run.agent, 'a')
    assert.equal(run.source, 'agent')
    assert.equal(run.status, 'finished')
    assert.equal(run.verdict, 'pass')
    assertGapless(await journalOf(fleet, id))
  })

  test('placed by name: a disproved hypothesis exits 1', async () => {
    const probe = `\n        - { name: never, type: cmd, mode: EOT, command: 'false' }`
    const file = writeManifest(ws.dir, 'disproved', inHostA('disproved', probe))
    const r = await placed(file, ['--agent', 'a'])
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /probe never \(cmd, EOT\)/)
    assert.equal((await getRun(fleet, recordedRunId(r.stdout))).verdict, 'fail')
  })

  test('placed by label', async () => {
    const file = writeManifest(ws.dir, 'by-label', inHostA('by-label'))
    const r = await placed(file, ['--agent-label', 'zone=eu'])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.equal((await getRun(fleet, recordedRunId(r.stdout))).agent, 'a')
  })

  test("a service at a relative path (./svc.mjs) travels with the run in the manifest's directory", async () => {
    const dir = path.join(ws.dir, 'bundled')
    mkdirSync(dir)
    const svc = path.join(dir, 'svc.mjs')
    // Only a shipped copy can run on the agent: nothing else puts it in the run's work tree.
    writeFileSync(svc, '#!/usr/bin/env node\nconsole.log("svc up")\nsetInterval(() => {}, 1000)\n')
    chmodSync(svc, 0o755)
    const file = writeManifest(
      dir,
      'bundled',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: bundled }
spec:
  hypothesis: the shipped service runs in host a
  system:
    services: [{ name: svc, command: ./svc.mjs, restart: never }]
  steps:
    - fault: { type: process-pause, target: { service: svc }, duration: 500ms }
    - wait: 200ms
      probes:
        - { name: in-host-a, type: cmd, mode: EOT, command: 'grep -qwF ${fleet.address('a')} /proc/net/fib_trie' }
`
    )
    // Dot-entries stay home (a repo's .env); the CLI says what travelled.
    writeFileSync(path.join(dir, '.env'), 'SECRET=nope\n')
    const r = await placed(file, ['--agent', 'a'])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stderr, /^shipped \S+: 2 files, [\d.]+ KiB \(dot-files left out\)$/m)
    const events = await journalOf(fleet, recordedRunId(r.stdout))
    assert.ok(
      events.some((e) => e.type === 'service.started' && e.service === 'svc'),
      'the service from ./svc.mjs started on the agent'
    )
  })

  test('queue: the reason is shown, cancel makes the run cancelled', async () => {
    const file = writeManifest(ws.dir, 'queued-cancel', pauseManifest('queued-cancel', 1))
    const runner = startRunner(
      ['run', file, '--server', fleet.serverUrl, '--token-file', editorTokenFile, '--agent', 'b'],
      { cwd: ws.dir, env: { ORDEAL_STATE_DIR: ws.stateDir } }
    )
    try {
      // On stderr (runner.waitFor wakes on stdout only): poll what it printed.
      await eventually(
        'the queued line',
        () => runner.output(),
        (out) => /queued: no agent named b is connected \(never connected\)/.test(out),
        30_000
      )
      const { value: queued } = await eventually(
        'the queued run',
        () => listRuns(fleet),
        (runs) => runs.some((r) => r.status === 'queued' && r.experimentName === 'queued-cancel')
      )
      const run = queued.find((r) => r.experimentName === 'queued-cancel')!
      assert.match(run.queueReason ?? '', /no agent named b is connected/)
      const abort = await apiFetch(fleet.serverUrl, `/api/runs/${run.id}/abort`, {
        token: fleet.center.ownerToken,
        method: 'POST',
      })
      assert.ok(abort.status < 300, abort.text)
      await runner.exited
      assert.equal(runner.child.exitCode, 130, runner.output())
      const ended = await getRun(fleet, run.id)
      assert.equal(ended.status, 'cancelled')
      assert.match(ended.reason ?? '', /cancelled by .* while queued/)
    } finally {
      runner.killGroup()
    }
  })

  test('queue: a run nobody takes times out with a clear verdict (exit 3)', async () => {
    const file = writeManifest(ws.dir, 'queued-timeout', pauseManifest('queued-timeout', 1))
    const r = await placed(file, ['--agent', 'b', '--queue-timeout', '2s'])
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    assert.match(r.stderr, /queued: no agent named b is connected/)
    const run = (await listRuns(fleet)).find((x) => x.experimentName === 'queued-timeout')!
    assert.equal(run.status, 'finished')
    assert.equal(run.verdict, 'error')
    assert.match(run.reason ?? '', /not started: .*queue timeout/)
  })

  test('queue: an agent that connects later runs none of the cancelled or timed-out runs', async () => {
    const agentB = await fleet.startAgent('b')
    // Two heartbeats for the scheduler to have dispatched anything it wrongly kept.
    await new Promise((r) => setTimeout(r, 4 * HEARTBEAT_MS))
    const runs = await listRuns(fleet)
    assert.deepEqual(
      runs.filter((r) => r.agent === 'b'),
      [],
      'nothing was sent to b'
    )
    for (const name of ['queued-cancel', 'queued-timeout']) {
      const run = runs.find((r) => r.experimentName === name)!
      assert.ok(['cancelled', 'finished'].includes(run.status), `${name}: ${run.status}`)
    }
    const pids = await fleet.pidsIn('b')
    assert.ok(
      !pids.some((pid) => pid !== agentB.pid && isSleeper(pid)),
      'no service of a run in host b'
    )
  })

  test('replacement: a second agent named a makes the first exit 2 with the 4002 line', async () => {
    const second = await fleet.startAgent('b', {
      name: 'a',
      stateDir: path.join(fleet.dir, 'agents', 'a-second'),
    })
    const { code } = await agentA.exited
    assert.equal(code, 2, agentA.output())
    assert.deepEqual(toldLines(agentA.stderr()).slice(-1), [
      `ordeal agent: replaced by another agent named a (from ${fleet.address('b')}); exiting`,
    ])
    const { value: row } = await waitForAgent(fleet, 'a', (a) => a?.connected === true, 'connected')
    assert.ok(row!.addresses.includes(fleet.address('b')), 'the new instance, from host b')
    assert.equal(second.child.exitCode, null, 'the second one keeps running')
  })
})

function isSleeper(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0')
  } catch {
    return false
  }
}
