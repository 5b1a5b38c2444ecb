/**
 * The server's side of a run process (run-process/child.ts) when the fork itself fails
 * (EAGAIN at a pid limit, EMFILE; here ENOENT, the same path in Node): Node emits 'error' and
 * never 'exit', so a start that waited for the process's exit or its `started` waited forever
 * (one way `POST /api/runs` to the embedded agent could hang, bench/agent-dispatch.ts). Real
 * forks: a missing node binary, then the real one.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  disposeSpareRunProcess,
  prewarmRunProcess,
  startRunChild,
} from '../../../../src/platforms/local/run-process/child.js'
import { kScrubbedPolicy } from '../../../../src/platforms/local/exec-policy.js'

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: run-child }
spec:
  hypothesis: a short wait holds
  steps:
    - wait: 10ms
`

const realExecPath = process.execPath
let stateDir: string
const savedStateDir = process.env['ORDEAL_STATE_DIR']

before(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-run-child-'))
  process.env['ORDEAL_STATE_DIR'] = stateDir
})

after(() => {
  process.execPath = realExecPath
  disposeSpareRunProcess()
  if (savedStateDir === undefined) {
    delete process.env['ORDEAL_STATE_DIR']
  } else {
    process.env['ORDEAL_STATE_DIR'] = savedStateDir
  }
  rmSync(stateDir, { recursive: true, force: true })
})

/** Forks made while this runs use a node binary that does not exist. */
function withMissingNode<T>(fn: () => T): T {
  process.execPath = path.join(stateDir, 'no-such-node')
  try {
    return fn()
  } finally {
    process.execPath = realExecPath
  }
}

const options = { name: 'run-child', yaml, exec: kScrubbedPolicy, onEvents: () => undefined }

test(
  'a run process whose fork failed: started rejects and exited says so',
  { timeout: 30_000 },
  async () => {
    const child = withMissingNode(() => startRunChild(options))
    await assert.rejects(child.started, /could not fork it: ENOENT/)
    assert.deepEqual(await child.exited, { ended: false, how: 'could not fork it: ENOENT' })
  }
)

test(
  'a spare whose fork failed is not used: the start forks its own and the run starts',
  { timeout: 30_000 },
  async () => {
    withMissingNode(() => prewarmRunProcess())
    // Node reports the failed fork on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    const child = startRunChild(options)
    const runId = await child.started
    assert.match(runId, /^run-child-/)
    assert.equal((await child.exited).ended, true)
  }
)
