/**
 * disk-fault through the built CLI. Bad input is exit 2 with one line naming file, line and
 * field. The example store sees its fsyncs fail with EIO during the fault only (its own
 * /health, an HTTP probe), through a real FUSE mount over its data dir. And the mount goes
 * whatever happens to the runner: after a normal end, after Ctrl+C, and after SIGKILL of the
 * runner and its group (the watchdog ends the helper and unmounts): observed in
 * /proc/self/mountinfo and /proc's command lines, with the directory's own file intact.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { readMountInfo } from '../../src/safety/mountinfo.js'
import { diskfsUnavailable } from '../../src/disk/helper-path.js'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { processesMentioning } from '../support/processes.js'
import { startRunner, until } from '../support/runner-process.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const manifest = (name: string, fault: string, system?: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the disk misbehaves only during the fault
  system:
${
  system ??
  `    services:
      - { name: store, command: python3, args: [-m, http.server, '{{ports.http}}'], ports: { http: 0 } }`
}
  steps:
    - fault:
${fault}
`

describe('disk-fault: bad input is exit 2, one line', () => {
  for (const [name, field, line, validates] of [
    [
      'bad-errno',
      'errno: EFOO',
      /bad-errno\.yaml:\d+: spec\.steps\[0\]\.fault\.errno: unknown errno 'EFOO'/,
      false,
    ],
    [
      'bad-probability',
      'errno: EIO\n        probability: -0.5',
      /bad-probability\.yaml:\d+: spec\.steps\[0\]\.fault\.probability: must be more than 0 and at most 1/,
      false,
    ],
    [
      'bad-operation',
      'latency: 5ms\n        operations: [wrte]',
      /bad-operation\.yaml:\d+: spec\.steps\[0\]\.fault\.operations\[0\]: unknown operation 'wrte' \(did you mean 'write'\?\)/,
      false,
    ],
    [
      'bad-target',
      'powerLoss: { target: { service: stor } }',
      /bad-target\.yaml:\d+: spec\.steps\[0\]\.fault\.powerLoss\.target\.service: no service named 'stor' in spec\.system\.services \(did you mean 'store'\?\)/,
      false,
    ],
    [
      'missing-dir',
      'latency: 5ms',
      /missing-dir\.yaml:\d+: spec\.steps\[0\]\.fault\.path: directory \S+\/nowhere does not exist/,
      true, // validate checks the manifest, not this machine: `ordeal run` does
    ],
  ] as const) {
    test(name, async () => {
      const dirLine =
        name === 'missing-dir' ? 'path: nowhere' : "path: '{{services.store.dataDir}}'"
      const file = ws.write(
        `${name}.yaml`,
        manifest(
          name,
          `        type: disk-fault\n        ${dirLine}\n        ${field}\n        duration: 2s`
        )
      )
      for (const args of [
        ['validate', file],
        ['run', file],
        ['run', '--dry-run', file],
      ]) {
        const r = await ws.run(args)
        if (args[0] === 'validate' && validates) {
          assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
          continue
        }
        assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
        assert.match(r.stderr, line)
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      }
    })
  }
})

const unavailable = diskfsUnavailable()

describe('disk-fault: the example store', { skip: unavailable }, () => {
  test('its fsyncs fail with EIO during the fault, and only then (exit 0)', async () => {
    const dir = path.join(ws.dir, 'deeper-faults')
    cpSync(path.join(repoRoot, 'examples/deeper-faults'), dir, { recursive: true })
    const json = path.join(ws.dir, 'store.json')
    const r = await ws.run(['run', path.join(dir, 'disk-fault.yaml'), '--json', json])
    assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      verdict: string
      probes: { name: string }[]
    }
    assert.equal(result.verdict, 'pass')
    assert.deepEqual(result.probes.map((p) => p.name).sort(), [
      'healthy-after',
      'healthy-before',
      'reports-eio-during',
    ])
    assert.match(r.stdout, /fail fsync on \S+ with EIO always/)
    assert.deepEqual(ownMounts(), [], 'unmounted at the end')
  })
})

describe('disk-fault: latency, seen by a program writing there', { skip: unavailable }, () => {
  test('a write and its fsync take 2 x 150 ms during the fault, and not after (exit 0)', async () => {
    const dir = path.join(ws.dir, 'slow')
    mkdirSync(dir)
    // The program's own clock: how long one create + write + fsync takes, in ms. Measured once
    // inside the window (the next poll would come after it).
    const timed = `python3 -c 'import os,time; t=time.monotonic(); f=open("${dir}/p","w"); f.write("x"); f.flush(); os.fsync(f.fileno()); print(int((time.monotonic()-t)*1000))'`
    const file = ws.write(
      'slow.yaml',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: disk-slow }
spec:
  hypothesis: writes are slow only during the fault
  steps:
    - fault: { type: disk-fault, path: slow, latency: 150ms, operations: [write, fsync], duration: 3s }
      probes:
        - { name: slow-during, type: cmd, mode: OnChaos, command: '${timed.replaceAll("'", "''")}', comparator: { type: int, criteria: '>=', value: 300 }, runProperties: { initialDelay: 200ms, pollingInterval: 10s } }
        - { name: fast-after, type: cmd, mode: EOT, command: '${timed.replaceAll("'", "''")}', comparator: { type: int, criteria: '<', value: 150 } }
`
    )
    const r = await ws.run(['run', file])
    assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
    assert.match(r.stdout, /delay write, fsync on \S+slow by 150ms/)
    assert.deepEqual(ownMounts(), [])
  })
})

/** Every disk-fault mount of this test's runs (sources `ordeal-disk-<runId>-<n>`). */
function ownMounts(): string[] {
  return readMountInfo()
    .filter((m) => m.source.startsWith('ordeal-disk-') && m.mountPoint.startsWith(ws.dir))
    .map((m) => `${m.source} at ${m.mountPoint}`)
}

describe('disk-fault: the mount goes however the runner ends', { skip: unavailable }, () => {
  let disk: string
  before(() => {
    disk = path.join(ws.dir, 'disk')
    mkdirSync(disk)
    writeFileSync(path.join(disk, 'keep'), 'kept\n')
  })

  const slowDisk = (name: string, duration: string) =>
    manifest(
      name,
      `        type: disk-fault
        path: disk
        latency: 2ms
        operations: [write]
        duration: ${duration}`,
      `    services:
      - { name: writer, command: sh, args: ['-c', 'while :; do echo x >> "$0/w"; sleep 0.05; done', '${disk}'], restart: never }`
    )

  /** The backing directory is whole again: no mount over it, its file as it was. */
  async function clean(): Promise<void> {
    await until(
      () =>
        ownMounts().length === 0 &&
        processesMentioning(disk).length === 0 &&
        ledgerFiles(path.join(ws.stateDir, 'ledgers')).every((f) => pendingEntries(f).length === 0),
      10_000
    )
    assert.equal(readFileSync(path.join(disk, 'keep'), 'utf8'), 'kept\n')
    assert.ok(existsSync(path.join(disk, 'w')), "the writer's file reached the directory")
  }

  test('after a normal end', async () => {
    const file = ws.write('ends.yaml', slowDisk('disk-ends', '1s'))
    const r = await ws.run(['run', file])
    assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
    assert.match(r.stdout, /delay write on \S+ by 2ms/)
    await clean()
  })

  for (const [how, stop, exit] of [
    ['Ctrl+C', 'SIGINT', 130],
    ['SIGKILL of the runner and its group', 'SIGKILL', undefined],
  ] as const) {
    test(`after ${how}`, async () => {
      const file = ws.write(`held-${stop}.yaml`, slowDisk(`disk-${stop.toLowerCase()}`, '10m'))
      const runner = startRunner(['run', file], {
        cwd: ws.dir,
        env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: '1000' },
      })
      await runner.waitFor(/disk-fault injected/)
      const mounted = readMountInfo().find((m) => m.mountPoint === disk)
      assert.equal(mounted?.fstype, 'fuse.ordeal-diskfs', ownMounts().join(', '))
      assert.match(mounted!.source, /^ordeal-disk-disk-sig\w+-.*-0$/)
      if (stop === 'SIGKILL') {
        runner.killGroup()
      } else {
        runner.child.kill('SIGINT')
      }
      await runner.exited
      if (exit !== undefined) {
        assert.equal(runner.child.exitCode, exit, runner.output())
      }
      await clean()
    })
  }
})
