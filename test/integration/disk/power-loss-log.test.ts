/**
 * LazyFS's rename bug on a real program, through the built CLI: examples/deeper-faults'
 * log writer replaces its log (temp file, fsync, rename) and answers; a disk-fault power-loses
 * it; it starts again. Without an fsync of the directory after the rename, the old log is back
 * (the run fails); with it, the new log stays (the run passes). Observed independently of
 * ordeal too: the directory is the test's own, read after the run is over and unmounted.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../../support/cli.js'
import { diskfsUnavailable } from '../../../src/disk/helper-path.js'
import { readMountInfo } from '../../../src/safety/mountinfo.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const writer = path.join(repoRoot, 'examples/deeper-faults/log-writer.py')

const manifest = (name: string, dir: string, dirFsync: 0 | 1) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the log the writer acknowledged survives a power loss
  system:
    services:
      - name: logger
        command: python3
        args: ['${writer}', '{{ports.http}}', '${dir}', '${dirFsync}']
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/log', timeout: 10s }
  steps:
    - name: power-loss
      fault:
        type: disk-fault
        path: '${dir}'
        powerLoss: { target: { service: logger } }
        duration: 1s
      probes:
        - { name: write-v2, type: http, mode: SOT, method: POST, url: 'http://127.0.0.1:{{services.logger.ports.http}}/write', body: "v2\\n", expect: { status: 200 } }
        - { name: v2-survives, type: http, mode: EOT, url: 'http://127.0.0.1:{{services.logger.ports.http}}/log', expect: { status: 200, bodyContains: v2 } }
`

describe(
  'power loss: a log renamed without a directory fsync',
  { skip: diskfsUnavailable() },
  () => {
    for (const [dirFsync, verdict, exit, log] of [
      [0, 'fail', 1, 'v1\n'],
      [1, 'pass', 0, 'v2\n'],
    ] as const) {
      test(`dir fsync ${dirFsync ? 'on' : 'off'}: the log after the power loss is ${JSON.stringify(log)} (verdict ${verdict})`, async () => {
        const dir = path.join(ws.dir, `log-${dirFsync}`)
        mkdirSync(dir)
        const r = await ws.runManifest(
          `log-${dirFsync}`,
          manifest(`log-${dirFsync}`, dir, dirFsync)
        )
        assert.equal(r.exitCode, exit, `${r.stdout}${r.stderr}`)
        assert.equal(r.result?.verdict, verdict)
        const action = r.events.find(
          (e) =>
            e.type === 'fault.action' &&
            /power loss: \d+ files?, .* dropped/.test(JSON.stringify(e))
        )
        assert.ok(action, 'the journal says what the power loss dropped')
        // The run is over and unmounted: this is the directory's own durable state.
        assert.equal(
          readMountInfo().filter((m) => m.mountPoint === dir).length,
          0,
          'nothing mounted over it any more'
        )
        assert.equal(readFileSync(path.join(dir, 'log'), 'utf8'), log)
        assert.deepEqual(readdirSync(dir).sort(), ['log'], 'no temp file, no stash left')
      })
    }
  }
)
