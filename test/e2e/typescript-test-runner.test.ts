/**
 * Issue 19 §3: `ordeal/test` inside node:test. The example file (two quickstart experiments,
 * the second failing on purpose) runs under `node --test --test-reporter=junit`, and the XML
 * shows each experiment's steps as test cases, the failing one with the experiment's reason.
 * Nothing is left behind: the runs' ledgers are gone and no service outlives the test file.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ledgerFiles } from '../../src/safety/ledger.js'
import { collect, repoRoot } from '../support/cli.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-test-runner-'))
after(() => rmSync(stateDir, { recursive: true, force: true }))

/** The <testsuite> element named `name` (the test), as text. */
function suite(xml: string, name: string): string {
  const start = xml.indexOf(`<testsuite name="${name}"`)
  assert.ok(start >= 0, `no testsuite ${name} in\n${xml}`)
  return xml.slice(start, xml.indexOf('</testsuite>', start))
}

test('node --test --test-reporter=junit shows the experiments, their steps and the reason', async () => {
  const started = Date.now()
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=junit',
      path.join('examples', 'typescript', 'chaos.test.ts'),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, ORDEAL_STATE_DIR: stateDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  const r = await collect(child, 240_000)
  const xml = r.stdout
  // One experiment failed on purpose: the runner exits 1.
  assert.equal(r.exitCode, 1, xml + r.stderr)

  const passing = suite(xml, 'quickstart: users never notice killed api replicas')
  assert.match(passing, /failures="0"/)
  assert.match(passing, /<testcase name="kill-api-replicas"[^>]*\/>/)
  assert.match(passing, /<testcase name="verdict: pass \(score 100\)"[^>]*\/>/)

  const failing = suite(xml, 'quickstart without retries (fails on purpose)')
  assert.match(
    failing,
    /<testcase name="kill-api-replicas"[^>]*failure="probe users-get-items \(Continuous\) failed: /
  )
  assert.match(
    failing,
    /<testcase name="verdict: fail \(score \d+(\.\d+)?\)"[^>]*failure="probe users-get-items \(Continuous\) failed: /
  )
  // Each run undid everything and removed its ledger.
  assert.equal(readdirSync(path.join(stateDir, 'runs')).length, 2)
  assert.deepEqual(ledgerFiles(path.join(stateDir, 'ledgers')), [])
  console.log(`two experiments under node:test in ${Date.now() - started} ms`)
})
