/**
 * Processes a run's user commands start do not outlive the run, even when they leave the process
 * group ordeal tears down (`setsid`, a double fork): every command starts in the run's cgroup,
 * and the cgroup is killed at teardown, by the watchdog when the runner is killed, and by
 * `ordeal recover` for a dead run.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'
import { startRunner, until } from '../support/runner-process.js'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Ledger } from '../../src/safety/ledger.js'
import { joinCgroupArgv, openRunCgroup, writableCgroup2 } from '../../src/safety/run-cgroup.js'
import { withSweepLock } from '../support/sweep-lock.js'

const kLeaseMs = 1500
const skip = writableCgroup2() === undefined && 'needs a writable cgroup2 mount (root)'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

/** A `sleep` argument no other process has: it adds a fraction of a second to the sleep. */
function newMarker(): string {
  return `0.${randomInt(1e9, 1e10 - 1)}`
}

/** Pids whose command line holds `marker`, read from /proc. */
function withMarker(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker)
      } catch {
        return false
      }
    })
    .map(Number)
}

/**
 * A service that leaves `sleep 300 <marker>` behind with setsid and with a double fork, and a
 * `cmd` readiness that does the same. Each escape writes its file once out of its group, and
 * readiness passes only when all three have: then all three are outside the process groups.
 */
function escapingManifest(name: string, marker: string, wait: string): string {
  const flag = (n: number) => path.join(ws.dir, `${name}.${n}`)
  const escape = (n: number) =>
    `setsid sh -c "echo ok > ${flag(n)}; exec sleep 300 ${marker}" >/dev/null 2>&1 </dev/null`
  const all = [1, 2, 3].map((n) => `test -s ${flag(n)}`).join(' && ')
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: nothing the run started outlives it
  system:
    services:
      - name: escaper
        command: /bin/sh
        args:
          - -c
          - '${escape(1)} & ( (${escape(2)} &) & ) ; exec sleep 1000'
        restart: never
        readiness: { cmd: '[ -s ${flag(3)} ] || ${escape(3)} & ${all}', timeout: 30s }
  steps:
    - wait: ${wait}
`
}

test(
  'processes that setsid or double-fork out of a service end with the run',
  { skip },
  async () => {
    const marker = newMarker()
    const r = await ws.runManifest('escape-end', escapingManifest('escape-end', marker, '500ms'))
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const warnings = r.events.filter((e) => e.type === 'run.warning')
    assert.deepEqual(warnings, [])
    assert.deepEqual(withMarker(marker), [])
  }
)

test(
  'kill -9 of the runner: the watchdog ends what left the process group too',
  { skip },
  async () => {
    const marker = newMarker()
    const file = ws.write('escape-kill.yaml', escapingManifest('escape-kill', marker, '10m'))
    const runner = startRunner(['run', file], {
      cwd: ws.dir,
      env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
    })
    try {
      await runner.waitFor(/system ready/, 40_000)
      // Each escape has written its file; its exec of sleep follows at once.
      await until(() => withMarker(marker).length >= 3, 5000).catch((e: unknown) => {
        throw new Error(`${String(e)}: ${withMarker(marker).join(',')}\n${runner.output()}`)
      })
    } finally {
      runner.killGroup()
    }
    await runner.exited
    await until(() => withMarker(marker).length === 0, kLeaseMs + 5000)
  }
)

test('ordeal recover ends what is left in the cgroup of a dead run', { skip }, async () => {
  const marker = newMarker()
  const runId = `dead-cgroup-${marker}`
  const ledger = new Ledger(runId, path.join(ws.stateDir, 'ledgers'))
  const cgroup = openRunCgroup(runId, ledger, 'system', Date.now() + 60_000, writableCgroup2())
  assert.ok('dir' in cgroup)
  const [command, ...args] = joinCgroupArgv(cgroup.dir, [
    '/bin/sh',
    '-c',
    `setsid sleep 300 ${marker} </dev/null >/dev/null 2>&1 &`,
  ])
  await once(spawn(command!, args, { stdio: 'ignore' }), 'close')
  await until(() => withMarker(marker).length === 1, 5000)
  const r = await withSweepLock(() => ws.run(['recover']))
  assert.equal(r.exitCode, 0, r.stdout + r.stderr)
  assert.deepEqual(withMarker(marker), [])
  assert.equal(existsSync(cgroup.dir), false)
})
