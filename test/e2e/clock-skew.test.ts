/**
 * clock-skew through the built CLI: the example's service sees the skew in its own /time
 * answers during the faults only; a target without the preload, an attached target and a bad
 * offset are exit 2 in one line before anything starts; --dry-run shows the preload.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { startRunner, until } from '../support/runner-process.js'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { LIBFAKETIME_SO } from '../../src/platforms/local/preload/libfaketime.js'
import { programSkewMs } from '../support/clock-program.js'

const example = path.join(repoRoot, 'examples/deeper-faults/clock-skew.yaml')
const skip = existsSync(LIBFAKETIME_SO) ? false : `${LIBFAKETIME_SO} not installed (libfaketime)`

const manifest = (service: string, fault: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: skew
spec:
  hypothesis: it holds
  system:
    services:
${service}
    attach: [{ name: outsider, match: never-matches-clock-skew }]
  steps:
    - fault: ${fault}
`
const plain = `      - { name: leases, command: node, args: ['-e', 'setInterval(() => {}, 1000)'] }`

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

describe('clock-skew through the CLI', { skip }, () => {
  test('the example: /time shows the skew during each fault and the real time after', async () => {
    const json = path.join(ws.dir, 'example.json')
    const r = await ws.run(['run', example, '--json', json], { timeoutMs: 90_000 })
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      verdict: string
      probes: { name: string; passed?: boolean; verdict?: string }[]
    }
    assert.equal(result.verdict, 'pass')
    const names = result.probes.map((p) => p.name)
    for (const name of [
      'real-time-at-start',
      'sees-90s-behind',
      'sees-an-hour-ahead',
      'real-time-after',
    ]) {
      assert.ok(names.includes(name), `probe ${name} ran: ${names.join(', ')}`)
    }
  })

  test('SIGINT mid-skew: exit 130, the clock file back to the real time, nothing pending', async () => {
    const clockFile = path.join(ws.dir, 'sigint-clock')
    const file = ws.write(
      'sigint.yaml',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: sigint-skew }
spec:
  hypothesis: an aborted skew is undone
  system:
    services:
      - name: leases
        command: node
        args: ['${path.join(repoRoot, 'examples/deeper-faults/clock-server.mjs')}']
        env: { CLOCK_FILE: '${clockFile}' }
        preload: [libfaketime]
  steps:
    - fault: { type: clock-skew, target: { service: leases }, offset: +2h, duration: 10m }
`
    )
    const runner = startRunner(['run', file], {
      cwd: ws.dir,
      env: { ORDEAL_STATE_DIR: ws.stateDir },
    })
    await runner.waitFor(/clock-skew injected/)
    // The program's own output shows the skew before the abort.
    await until(() => Math.abs(programSkewMs(clockFile) - 7_200_000) < 1000, 5000)
    runner.child.kill('SIGINT')
    await runner.exited
    assert.equal(runner.child.exitCode, 130, runner.output())
    const rcFiles = readdirSync(path.join(ws.stateDir, 'runs'), {
      recursive: true,
      withFileTypes: true,
    })
      .filter((e) => e.isFile() && e.name === 'faketime.rc')
      .map((e) => path.join(e.parentPath, e.name))
    assert.ok(rcFiles.length > 0)
    for (const rc of rcFiles) {
      assert.equal(readFileSync(rc, 'utf8'), '+0 x1\n', rc)
    }
    assert.deepEqual(ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries), [])
  })

  test('a target service without the preload: exit 2, one line naming the field', async () => {
    const file = ws.write(
      'no-preload.yaml',
      manifest(
        plain,
        '{ type: clock-skew, target: { service: leases }, offset: -90s, duration: 5s }'
      )
    )
    const r = await ws.run(['validate', file])
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /no-preload\.yaml:12: spec\.steps\[0\]\.fault\.target\.service: clock-skew needs service 'leases' launched under libfaketime: add 'preload: \[libfaketime\]' to spec\.system\.services\[0\]/
    )
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })

  test('an attached target: exit 2, it cannot be given a preload', async () => {
    const file = ws.write(
      'attach.yaml',
      manifest(
        plain,
        '{ type: clock-skew, target: { attach: outsider }, offset: -90s, duration: 5s }'
      )
    )
    const r = await ws.run(['validate', file])
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /attach\.yaml:12: .*fault\.target\.attach: .*cannot be given a preload/)
  })

  test('a bad offset, and a jump after the window: exit 2, naming the field', async () => {
    const service = plain.replace("'] }", "'], preload: [libfaketime] }")
    for (const [name, fault, line] of [
      [
        'bad-offset',
        '{ type: clock-skew, target: { service: leases }, offset: 90, duration: 5s }',
        /bad-offset\.yaml:12: spec\.steps\[0\]\.fault\.offset: must be an offset like -90s or \+2h/,
      ],
      [
        'late-jump',
        '{ type: clock-skew, target: { service: leases }, jumps: [{ at: 9s, by: +1h }], duration: 5s }',
        /late-jump\.yaml:12: spec\.steps\[0\]\.fault\.jumps\[0\]\.at: must be before the end of the fault \(duration 5s\)/,
      ],
    ] as const) {
      const r = await ws.run(['validate', ws.write(`${name}.yaml`, manifest(service, fault))])
      assert.equal(r.exitCode, 2, r.stdout + r.stderr)
      assert.match(r.stderr, line)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })

  test('--dry-run shows the preload of each replica and what the fault would do', async () => {
    const r = await ws.run(['run', '--dry-run', example])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(
      r.stdout,
      /leases-0: .*LD_PRELOAD=\S*libfaketime\.so\.1 .*FAKETIME_TIMESTAMP_FILE=\S+\/preload\/leases-0\/faketime\.rc'? .*# preload: libfaketime/
    )
    assert.match(r.stdout, /set the wall clock of .*leases.* -90s/)
  })
})
