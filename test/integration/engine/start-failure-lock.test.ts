/**
 * Review item 17: when startRun throws after it took the run lock (here the run user's private
 * work dir cannot be made: the temp dir does not exist), the lock is released at once. Otherwise this
 * process would hold it until it exits and recovery would treat the ledger as a live run's; a
 * server that survives the failed start would keep it forever.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { startRun } from '../../../src/engine/runner.js'
import { ledgerFiles } from '../../../src/safety/ledger.js'
import { isLedgerLive } from '../../../src/safety/run-lock.js'
import { kScrubbedPolicy } from '../../../src/platforms/local/exec-policy.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-start-failure-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

test('a start that throws after taking the lock releases it', () => {
  const experiment = loadExperimentText(
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: start-failure }
spec:
  hypothesis: h
  steps:
    - { name: w, wait: 10ms }
`,
    path.join(os.tmpdir(), 'start-failure.yaml')
  )
  const tmpdir = process.env['TMPDIR']
  process.env['TMPDIR'] = path.join(stateDir, 'no-such-tmp')
  try {
    assert.throws(
      () =>
        startRun(experiment, {
          exec: {
            ...kScrubbedPolicy,
            user: { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' },
          },
        }),
      /ENOENT/
    )
  } finally {
    if (tmpdir === undefined) {
      delete process.env['TMPDIR']
    } else {
      process.env['TMPDIR'] = tmpdir
    }
  }
  const files = ledgerFiles(path.join(stateDir, 'ledgers'))
  assert.equal(files.length, 1, 'the ledger was created (and locked) before the failure')
  assert.equal(isLedgerLive(files[0]!), false, 'nobody holds its lock any more')
})
