/**
 * syscall-error through the built CLI. Bad input is exit 2 with one line naming file, line and
 * field. The example's store sees its fsyncs fail during the fault only (its own /health, an
 * HTTP probe). And the failures end whatever happens to the runner: after the fault, after
 * Ctrl+C, and after SIGKILL (the watchdog runs the recorded disable): observed on a C writer
 * the test started under libfiu and ordeal attaches to, through the writer's own output.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { startRunner, until } from '../support/runner-process.js'
import { fiuEnv, fiuWriterBinary, tally, writerLines } from '../support/fiu-writer.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const manifest = (name: string, system: string, fault: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: writes fail only during the fault
  system:
${system}
  steps:
    - fault:
${fault}
`

describe('syscall-error: bad input is exit 2, one line', () => {
  const system = `    services:
      - { name: store, command: python3, args: [-m, http.server, '{{ports.http}}'], ports: { http: 0 }, preload: [libfiu] }`
  for (const [name, field, line] of [
    [
      'bad-call',
      'calls: [posix/io/rw/wrte]',
      /bad-call\.yaml:\d+: spec\.steps\[0\]\.fault\.calls\[0\]: unknown call 'posix\/io\/rw\/wrte' \(did you mean 'posix\/io\/rw\/write'\?\)/,
    ],
    [
      'bad-errno',
      'calls: [posix/io/rw/write]\n        errno: EFOO',
      /bad-errno\.yaml:\d+: spec\.steps\[0\]\.fault\.errno: unknown errno 'EFOO'/,
    ],
    [
      'bad-probability',
      'calls: [posix/io/rw/write]\n        probability: -1',
      /bad-probability\.yaml:\d+: spec\.steps\[0\]\.fault\.probability: must be more than 0 and at most 1/,
    ],
  ] as const) {
    test(name, async () => {
      const file = ws.write(
        `${name}.yaml`,
        manifest(
          name,
          system,
          `        type: syscall-error
        target: { service: store }
        ${field}
        duration: 2s`
        )
      )
      for (const args of [
        ['validate', file],
        ['run', file],
      ]) {
        const r = await ws.run(args)
        assert.equal(r.exitCode, 2, `${args[0]}: ${r.stdout}${r.stderr}`)
        assert.match(r.stderr, line)
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      }
    })
  }
})

describe('syscall-error: the example store', () => {
  test('its fsyncs fail with EIO during the fault, and only then (exit 0)', async () => {
    const dir = path.join(ws.dir, 'deeper-faults')
    cpSync(path.join(repoRoot, 'examples/deeper-faults'), dir, { recursive: true })
    const r = await ws.run([
      'run',
      path.join(dir, 'syscall-error.yaml'),
      '--json',
      path.join(ws.dir, 'store.json'),
    ])
    assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
    const result = JSON.parse(readFileSync(path.join(ws.dir, 'store.json'), 'utf8')) as {
      probes: { name: string; passed?: boolean; verdict?: string }[]
    }
    const names = result.probes.map((p) => p.name)
    assert.deepEqual(names.sort(), ['healthy-after', 'healthy-before', 'reports-eio-during'])
    assert.match(
      r.stdout,
      /libfiu: posix\/io\/sync\/fsync, posix\/io\/sync\/fdatasync fail with EIO always in store-\d/
    )
  })

  test('without `preload: [libfiu]` the run is refused in one line naming the service and field (exit 2)', async () => {
    const dir = path.join(ws.dir, 'no-preload')
    cpSync(path.join(repoRoot, 'examples/deeper-faults'), dir, { recursive: true })
    const file = path.join(dir, 'syscall-error.yaml')
    const text = readFileSync(file, 'utf8').replace(/^\s+preload: \[libfiu\].*\n/m, '')
    ws.write('no-preload/syscall-error.yaml', text)
    const r = await ws.run(['run', file])
    assert.equal(r.exitCode, 2, `${r.stdout}${r.stderr}`)
    assert.match(
      r.stderr,
      /syscall-error\.yaml:\d+: spec\.steps\[\d+\]\.fault\.target\.service: syscall-error needs service 'store' launched under libfiu: add 'preload: \[libfiu\]' to spec\.system\.services\[0\]/
    )
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })
})

describe('syscall-error: a service with its own user', () => {
  // The preload must load after the privilege drop, in the service only: libfiu loaded in the
  // root wrappers before it (cgroup join, setpriv) would make the control fifos root's, and
  // syscall-error would refuse the service ("belongs to uid 0 … before the privilege drop").
  const skip = process.getuid?.() !== 0 ? 'needs root' : undefined
  test(
    'user: ordeal, preload: [libfiu]: its fsyncs fail during the fault, run as uid 999 (exit 0)',
    { skip },
    async () => {
      const dir = path.join(ws.dir, 'as-ordeal')
      cpSync(path.join(repoRoot, 'examples/deeper-faults'), dir, { recursive: true })
      chmodSync(ws.dir, 0o755) // mkdtemp made it 0700: the service user could not reach store.py
      chmodSync(dir, 0o755)
      const file = path.join(dir, 'syscall-error.yaml')
      const text = readFileSync(file, 'utf8').replace(
        /^(\s+)preload: \[libfiu\].*\n/m,
        '$1preload: [libfiu]\n$1user: ordeal\n$1group: ordeal\n'
      )
      assert.match(text, /user: ordeal/)
      ws.write('as-ordeal/syscall-error.yaml', text)
      const json = path.join(ws.dir, 'as-ordeal.json')
      const r = await ws.run(['run', file, '--json', json])
      assert.equal(r.exitCode, 0, `${r.stdout}${r.stderr}`)
      const result = JSON.parse(readFileSync(json, 'utf8')) as {
        verdict: string
        probes: { name: string }[]
      }
      assert.equal(result.verdict, 'pass')
      assert.ok(result.probes.some((p) => p.name === 'reports-eio-during'))
      assert.match(r.stdout, /libfiu: posix\/io\/sync\/fsync, .* in store-\d/)
    }
  )
})

describe('syscall-error: the failures end however the runner ends', () => {
  let writer: ChildProcess
  let out: string
  before(() => {
    const control = path.join(ws.dir, 'fiu-control')
    mkdirSync(control)
    out = path.join(ws.dir, 'writer.out')
    writer = spawn(
      'sh',
      [
        '-c',
        `exec "$0" "$1" 1000 > "$2"`,
        fiuWriterBinary(),
        path.join(ws.dir, 'writer.data'),
        out,
      ],
      { env: { ...process.env, ...fiuEnv(control) }, stdio: 'ignore', detached: true }
    )
  })
  after(() => {
    try {
      process.kill(-writer.pid!, 'SIGKILL')
    } catch {
      // gone
    }
  })

  const attached = (name: string) =>
    manifest(
      name,
      `    attach: [{ name: writer, pid: ${writer.pid} }]`,
      `        type: syscall-error
        target: { attach: writer }
        calls: [posix/io/rw/write]
        errno: ENOSPC
        duration: 10m`
    )

  /** Every write the writer reports from now on succeeds (20 of them, after one round in flight). */
  async function writesSucceed(): Promise<void> {
    const from = writerLines(out).length + 2
    await until(() => tally(writerLines(out).slice(from), 'write').calls >= 20, 10_000)
    assert.equal(tally(writerLines(out).slice(from), 'write').failed, 0)
  }

  async function writesFail(): Promise<void> {
    const from = writerLines(out).length
    await until(() => tally(writerLines(out).slice(from), 'write').failures.has('ENOSPC'), 10_000)
  }

  for (const [how, stop, exit] of [
    ['Ctrl+C', 'SIGINT', 130],
    ['SIGKILL of the runner and its group', 'SIGKILL', undefined],
  ] as const) {
    test(`after ${how}`, async () => {
      const file = ws.write(`attached-${stop}.yaml`, attached(`attached-${stop.toLowerCase()}`))
      const runner = startRunner(['run', file], {
        cwd: ws.dir,
        env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: '1000' },
      })
      await runner.waitFor(/syscall-error injected/)
      await writesFail()
      if (stop === 'SIGKILL') {
        runner.killGroup()
      } else {
        runner.child.kill('SIGINT')
      }
      await runner.exited
      if (exit !== undefined) {
        assert.equal(runner.child.exitCode, exit, runner.output())
      }
      // The watchdog notices the dead runner within its lease, then runs the recorded disable.
      await until(
        () =>
          ledgerFiles(path.join(ws.stateDir, 'ledgers')).every(
            (f) => pendingEntries(f).length === 0
          ),
        10_000
      )
      await writesSucceed()
    })
  }
})
