/**
 * `ordeal run` against real local processes: restart policy, pause, scoring, SIGINT, abort on
 * probe failure, system start failure, dry run and recover. Each test runs the built CLI.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { cliPath, collect, workspace, type Workspace } from '../support/cli.js'
import { parseJournal } from '../../src/engine/journal.js'
import type { RunResult } from '../../src/engine/result.js'
import { Ledger, ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { assertAllGone, launchedPids, state } from '../support/processes.js'
import { withSweepLock } from '../support/sweep-lock.js'

const server = `import http from 'node:http'
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string, body: string, services = apiService()): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: the api keeps answering
  system:
    services:
${services}
${body}`
}

function apiService(extra = ''): string {
  return `      - name: api
        command: node
        args: [server.mjs]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}', timeout: 10s }
${extra}`
}

const apiUrl = 'http://127.0.0.1:{{services.api.ports.http}}/'

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('server.mjs', server)
})
after(() => ws.cleanup())

function run(name: string, yaml: string, extraArgs: string[] = []) {
  return ws.runManifest(name, yaml, extraArgs)
}

describe('ordeal run', () => {
  test('a killed replica with restart: always is re-created, and a probe confirms it', async () => {
    const r = await run(
      'restart',
      manifest(
        'restart',
        `  steps:
    - name: kill-api
      fault: { type: process-kill, target: { service: api }, duration: 2s }
      probes:
        - name: api-back
          type: http
          mode: EOT
          url: '${apiUrl}'
          runProperties: { attempts: 20, interval: 250ms }
`,
        apiService('        restart: always\n        backoff: { initial: 200ms }\n')
      )
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const starts = r.events.filter((e) => e.type === 'service.started')
    assert.equal(starts.length, 2, 'started, killed, started again')
    assert.notEqual(
      starts[0]!.type === 'service.started' && starts[0]!.pid,
      starts[1]!.type === 'service.started' && starts[1]!.pid
    )
    assert.ok(
      r.events.some((e) => e.type === 'service.exited' && e.signal === 'SIGKILL' && !e.expected)
    )
    assert.equal(r.result!.probes[0]!.verdict, 'Passed')
    assertAllGone(launchedPids(r.events))
  })

  test('process-pause really stops the process: a Continuous probe fails during the pause', async () => {
    const r = await run(
      'pause',
      manifest(
        'pause',
        `  steps:
    - name: pause-api
      fault: { type: process-pause, target: { service: api }, after: 500ms, duration: 2s }
      probes:
        - name: api-answers
          type: http
          mode: Continuous
          url: '${apiUrl}'
          runProperties: { pollingInterval: 100ms, timeout: 400ms }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    const probe = r.result!.probes[0]!
    assert.equal(probe.verdict, 'Failed')
    assert.match(probe.message, /timed out|abort/i)
    const injected = r.events.find((e) => e.type === 'fault.injected')!
    const failed = r.events.find((e) => e.type === 'probe.verdict')!
    assert.ok(failed.t >= injected.t, 'the probe failed only once the pause began')
    assert.ok(r.result!.faults[0]!.revertedAt, 'the pause was reverted')
    assertAllGone(launchedPids(r.events))
  })

  test('two steps with one failing probe score exactly 50', async () => {
    const r = await run(
      'score',
      manifest(
        'score',
        `  steps:
    - name: api-open
      wait: 100ms
      probes:
        - { name: api-port-open, type: tcp, mode: SOT, port: '{{services.api.ports.http}}' }
    - name: closed-port
      wait: 100ms
      probes:
        - { name: nothing-on-port-1, type: tcp, mode: SOT, port: 1 }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.equal(r.result!.resilienceScore, 50)
    assert.deepEqual(
      r.result!.steps.filter((s) => s.scored).map((s) => s.score),
      [100, 0]
    )
    assert.match(r.stdout, /resilience score 50/)
  })

  test('SIGINT mid-run: the fault is undone, every launched process is gone, exit 130', async () => {
    const file = ws.write(
      'sigint.yaml',
      manifest(
        'sigint',
        `  steps:
    - name: long-pause
      fault: { type: process-pause, target: { service: api }, duration: 10m }
`
      )
    )
    const json = path.join(ws.dir, 'sigint.json')
    const journal = path.join(ws.dir, 'sigint.ndjson')
    const child = spawn(
      process.execPath,
      [cliPath, 'run', file, '--json', json, '--journal', journal],
      {
        cwd: ws.dir,
        env: { ...process.env, ORDEAL_STATE_DIR: ws.stateDir, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    const done = collect(child, 60_000)
    // Wait for the event, not for a guessed time: the fault is active once it is reported.
    const pausedPid = await new Promise<number>((resolve) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /process-pause injected on api-0 \(pid (\d+)\)/.exec(out)
        if (m) {
          resolve(Number(m[1]))
        }
      })
    })
    await waitFor(() => state(pausedPid) === 'T') // the process is really stopped
    child.kill('SIGINT')
    const r = await done
    assert.equal(r.exitCode, 130, r.stdout + r.stderr)
    const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
    assert.equal(result.verdict, 'interrupted')
    assert.ok(result.faults[0]!.revertedAt, 'the pause was reverted before teardown')
    assertAllGone(launchedPids(parseJournal(readFileSync(journal, 'utf8'))))
    assert.deepEqual(
      ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries),
      [],
      'nothing left in the ledger'
    )
  })

  test('a stopOnFailure probe aborts the run and rolls the fault back', async () => {
    const started = Date.now()
    const r = await run(
      'stop',
      manifest(
        'stop',
        `  steps:
    - name: long-pause
      fault: { type: process-pause, target: { service: api }, after: 300ms, duration: 10m }
      probes:
        - name: api-answers
          type: http
          mode: Continuous
          url: '${apiUrl}'
          runProperties: { pollingInterval: 100ms, timeout: 300ms, stopOnFailure: true }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 30_000, 'did not wait for the 10m fault')
    assert.match(r.result!.reason!, /stopOnFailure/)
    assert.ok(r.result!.faults[0]!.revertedAt)
    assertAllGone(launchedPids(r.events))
  })

  test('an abort condition on a probe stops the run and rolls the fault back', async () => {
    const started = Date.now()
    const r = await run(
      'abort-probe',
      manifest(
        'abort-probe',
        `  abort:
    - probe: api-answers
  steps:
    - name: long-pause
      fault: { type: process-pause, target: { service: api }, after: 300ms, duration: 10m }
      probes:
        - name: api-answers
          type: http
          mode: Continuous
          url: '${apiUrl}'
          runProperties: { pollingInterval: 100ms, timeout: 300ms }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 30_000, 'did not wait for the 10m fault')
    assert.match(r.result!.reason!, /abort condition spec\.abort\[0\]: probe api-answers failed/)
    assert.ok(r.result!.faults[0]!.revertedAt)
    assertAllGone(launchedPids(r.events))
  })

  test('a system that cannot start: exit 3, verdict error, nothing left', async () => {
    const r = await run(
      'nostart',
      manifest(
        'nostart',
        `  steps:
    - wait: 1s
`,
        `      - name: broken
        command: node
        args: ['-e', 'process.exit(1)']
        restart: never
        readiness: { tcp: 1, timeout: 3s }
`
      )
    )
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    assert.equal(r.result!.verdict, 'error')
    assert.match(r.result!.reason!, /broken/)
  })

  test('--dry-run prints the timeline and what would be touched, and starts nothing', async () => {
    const file = ws.write(
      'dry.yaml',
      manifest(
        'dry',
        `  steps:
    - name: pause-api
      fault: { type: process-pause, target: { service: api }, after: 1s, duration: 5s }
      probes:
        - { name: up, type: tcp, mode: Continuous, port: '{{services.api.ports.http}}' }
    - wait: 2s
    - fault: { type: disk-fill, path: ., size: 1Mi, duration: 3s }
`
      )
    )
    const stateDir = path.join(ws.dir, 'dry-state')
    const r = await ws.run(['run', '--dry-run', file], { env: { ORDEAL_STATE_DIR: stateDir } })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.match(r.stdout, /\+0ms\s+pause-api: fault process-pause after 1s for 5s/)
    assert.match(r.stdout, /\+6s\s+wait 2s: wait 2s/)
    assert.match(r.stdout, /probe up \[Continuous\]/)
    assert.match(r.stdout, /launch .*api-0.*node server\.mjs/)
    assert.match(r.stdout, /\.ordeal-fill-/)
    assert.equal(existsSync(stateDir), false, 'nothing written')
  })

  test('ordeal recover resumes a process a dead run left paused, and is idempotent', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    })
    after(() => {
      try {
        process.kill(-sleeper.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    })
    const { processStartTime } = await import('../../src/safety/proc.js')
    const ledger = new Ledger('dead-run', path.join(ws.stateDir, 'ledgers'))
    ledger.record(
      'run.0',
      {
        kind: 'signal',
        pid: sleeper.pid!,
        startTime: processStartTime(sleeper.pid!),
        signal: 'SIGCONT',
        group: true,
        label: `resume pid ${sleeper.pid}`,
      },
      Date.now()
    )
    process.kill(-sleeper.pid!, 'SIGSTOP')
    await waitFor(() => state(sleeper.pid!) === 'T')
    const first = await withSweepLock(() => ws.run(['recover']))
    assert.equal(first.exitCode, 0, first.stderr)
    assert.match(first.stdout, /undone: resume pid/)
    await waitFor(() => state(sleeper.pid!) !== 'T')
    const second = await withSweepLock(() => ws.run(['recover']))
    assert.match(second.stdout, /nothing to recover/)
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time')
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}
