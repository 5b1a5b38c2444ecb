/**
 * The torture test (safety invariant 2): 50 runs, each killed with SIGKILL (runner and its
 * process group) at a random moment while a fault is active. After each, within the lease
 * + 2 s, nothing may remain, checked independently of ordeal: process states and command
 * lines in /proc, and the filesystem. Prints the tally and the time from death to clean.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { readMountInfo } from '../../src/safety/mountinfo.js'
import { diskfsUnavailable } from '../../src/disk/helper-path.js'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { netIdOf } from '../../src/platforms/local/network/names.js'
import { ordealNetworkObjects } from '../../src/platforms/local/network/stray.js'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'
import { alive, processesMentioning, state } from '../support/processes.js'
import { startRunner, until } from '../support/runner-process.js'

const kRuns = Number(process.env['ORDEAL_TORTURE_RUNS'] ?? 50)
const kLeaseMs = 1000

let ws: Workspace
let external: ReturnType<typeof spawn>
before(() => {
  ws = workspace()
  // A process ordeal did not start: paused through attach, it must be resumed, never ended.
  external = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'torture-external'], {
    stdio: 'ignore',
    detached: true,
  })
})
after(() => {
  try {
    process.kill(-external.pid!, 'SIGKILL')
  } catch {
    // gone
  }
  ws.cleanup()
})

type Scenario = {
  name: string
  step: string
  injected: RegExp
  services?: (token: string) => string
}
const scenarios: Scenario[] = [
  {
    name: 'pause a launched service',
    step: 'fault: { type: process-pause, target: { service: app }, duration: 10m }',
    injected: /process-pause injected/,
  },
  {
    name: 'pause an attached process',
    step: 'fault: { type: process-pause, target: { attach: outsider }, duration: 10m }',
    injected: /process-pause injected/,
  },
  {
    name: 'network-partition',
    step: 'fault: { type: network-partition, between: [[h1], [h2]], duration: 10m }',
    injected: /network-partition injected/,
  },
  {
    name: 'network-loss',
    step: 'fault: { type: network-loss, host: h1, percent: 50, duration: 10m }',
    injected: /network-loss injected/,
  },
  {
    name: 'disk-fill',
    step: 'fault: { type: disk-fill, path: fill, size: 64Mi, duration: 10m }',
    injected: /disk-fill injected/,
  },
  {
    name: 'cpu-stress',
    step: 'fault: { type: cpu-stress, workers: 1, load: 50, duration: 10m }',
    injected: /cpu-stress injected/,
  },
  {
    // The watchdog writes "+0 x1" back into the service's libfaketime timestamp file.
    name: 'clock-skew',
    step: 'fault: { type: clock-skew, target: { service: clocked }, offset: +2h, duration: 10m }',
    injected: /clock-skew injected/,
    services: (token) =>
      `\n      - { name: clocked, command: node, args: ['-e', 'setInterval(() => {}, 1000)', '${token}'], restart: never, preload: [libfaketime] }`,
  },
  {
    // The watchdog runs fiu-ctrl's disable on the service (gone by then, or still up): both succeed.
    name: 'syscall-error',
    step: 'fault: { type: syscall-error, target: { service: fiu }, calls: [posix/io/sync/fsync], errno: EIO, duration: 10m }',
    injected: /syscall-error injected/,
    services: (token) =>
      `\n      - { name: fiu, command: node, args: ['-e', 'setInterval(() => {}, 1000)', '${token}'], restart: never, preload: [libfiu] }`,
  },
  {
    name: 'pause + disk-fill + cpu-stress at once',
    step: `parallel:
        - fault: { type: process-pause, target: { service: app }, duration: 10m }
        - fault: { type: disk-fill, path: fill, size: 16Mi, duration: 10m }
        - fault: { type: cpu-stress, workers: 1, load: 20, duration: 10m }`,
    injected: /(injected[\s\S]*){3}/,
  },
  {
    name: 'dns-fault',
    step: 'fault: { type: dns-fault, names: [h2], answer: timeout, duration: 10m }',
    injected: /dns-fault injected/,
  },
  // The watchdog ends the ordeal-diskfs helper and unmounts the run's own mount (by its name).
  ...(diskfsUnavailable() === undefined
    ? [
        {
          name: 'disk-fault',
          step: 'fault: { type: disk-fault, path: disk, latency: 1ms, errno: EIO, probability: 0.01, duration: 10m }',
          injected: /disk-fault injected/,
        },
      ]
    : []),
]

/** Every libfaketime timestamp file of the runs (`<state>/runs/<id>/preload/<replica>/faketime.rc`). */
function faketimeFiles(stateDir: string): string[] {
  const runs = path.join(stateDir, 'runs')
  if (!existsSync(runs)) {
    return []
  }
  return readdirSync(runs, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name === 'faketime.rc')
    .map((e) => path.join(e.parentPath, e.name))
}

/** Pids of live processes whose command line contains `token`. */
function processesWith(token: string): number[] {
  return processesMentioning(token).map((line) => Number(line.split(':')[0]))
}

test(
  `${kRuns} runs killed with SIGKILL mid-fault leave nothing behind`,
  { timeout: kRuns * 20_000 },
  async () => {
    const fillDir = path.join(ws.dir, 'fill')
    mkdirSync(fillDir)
    const diskDir = path.join(ws.dir, 'disk')
    mkdirSync(diskDir)
    writeFileSync(path.join(diskDir, 'keep'), 'kept\n')
    const times: number[] = []
    const dirty: string[] = []
    for (let i = 0; i < kRuns; i++) {
      const scenario = scenarios[i % scenarios.length]!
      const token = `torture-run-${i}-${process.pid}`
      const file = ws.write(
        `torture-${i}.yaml`,
        `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: torture-${i} }
spec:
  hypothesis: rollback survives the runner's death
  system:
    networks: [{ name: lan }]
    hosts: [{ name: h1, networks: [lan] }, { name: h2, networks: [lan] }]
    services:
      - { name: app, host: h1, command: node, args: ['-e', 'setInterval(() => {}, 1000)', '${token}'], restart: never }${scenario.services?.(token) ?? ''}
    attach: [{ name: outsider, pid: ${external.pid} }]
  steps:
    - ${scenario.step}
`
      )
      const journal = path.join(ws.dir, `torture-${i}.ndjson`)
      const runner = startRunner(['run', file, '--journal', journal], {
        cwd: ws.dir,
        env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
      })
      await runner.waitFor(scenario.injected)
      await new Promise((r) => setTimeout(r, Math.random() * 300)) // a random moment while active
      const runnerPid = runner.child.pid!
      runner.killGroup()
      // The run's namespaces, links and rules all carry its network id (`ord-<id>-…`).
      const netId = readFileSync(journal, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; netId?: string })
        .find((e) => e.type === 'network.created')?.netId
      const clean = () =>
        netId !== undefined &&
        // The watchdog has finished its bookkeeping too (it marks entries as it goes).
        ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries).length === 0 &&
        ordealNetworkObjects().filter((o) => netIdOf(o.name) === netId).length === 0 &&
        processesWith(token).length === 0 &&
        processesWith(`ordeal-stress`).filter((pid) =>
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`\0${runnerPid}\0`)
        ).length === 0 &&
        state(external.pid!) !== 'T' &&
        faketimeFiles(ws.stateDir).every((f) => readFileSync(f, 'utf8') === '+0 x1\n') &&
        readdirSync(fillDir).length === 0 &&
        // disk-fault: nothing mounted over its directory, no helper, the directory's file intact.
        !readMountInfo().some((m) => m.mountPoint === diskDir) &&
        processesWith(diskDir).length === 0 &&
        readFileSync(path.join(diskDir, 'keep'), 'utf8') === 'kept\n' &&
        // The run's resolver's per-host resolv.conf files (only dns-fault's scenario has them).
        !(existsSync('/etc/netns') && readdirSync('/etc/netns').some((n) => netIdOf(n) === netId))
      try {
        times.push(await until(clean, kLeaseMs + 2000))
      } catch {
        dirty.push(
          `run ${i} (${scenario.name}): network ${netId ?? 'unknown'} ${
            ordealNetworkObjects()
              .filter((o) => netIdOf(o.name) === netId)
              .map((o) => o.name)
              .join(',') || 'clean'
          }, services ${processesWith(token).join(',') || 'none'}, external ${state(external.pid!)}, fill ${readdirSync(fillDir).join(',') || 'none'}`
        )
      }
      await runner.exited
    }
    assert.ok(alive(external.pid!), 'the attached process was never ended')
    times.sort((a, b) => a - b)
    const p50 = times[Math.floor(times.length / 2)] ?? NaN
    const max = times[times.length - 1] ?? NaN
    console.log(
      `torture: ${kRuns - dirty.length}/${kRuns} clean; runner death → clean: p50 ${p50} ms, max ${max} ms (lease ${kLeaseMs} ms)`
    )
    assert.deepEqual(dirty, [], `not clean within lease + 2 s:\n${dirty.join('\n')}`)
    const left = ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries)
    assert.deepEqual(left, [], 'every ledger entry was marked undone by the watchdog')
  }
)
