import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLockedLedger } from '../../../safety/run-lock.js'
import { claimNetId, networkOwner, pruneClaims } from './claims.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-claims-'))
process.env['ORDEAL_NETWORK_CLAIMS_DIR'] = path.join(dir, 'claims')
after(() => rmSync(dir, { recursive: true, force: true }))

test('an object is mapped to its run through its claim; only dead, unused claims are pruned', () => {
  const dead = path.join(dir, 'dead-run.ndjson')
  writeFileSync(dead, '')
  const live = createLockedLedger(path.join(dir, 'live-run.ndjson'))
  try {
    assert.equal(claimNetId('aaaa', dead), true)
    assert.equal(claimNetId('aaaa', path.join(dir, 'live-run.ndjson')), false, 'taken')
    assert.equal(claimNetId('bbbb', path.join(dir, 'live-run.ndjson')), true)
    assert.equal(claimNetId('cccc', dead), true)

    assert.deepEqual(networkOwner('ord-bbbb-h1'), {
      runId: 'live-run',
      ledgerFile: path.join(dir, 'live-run.ndjson'),
      live: true,
    })
    assert.equal(networkOwner('ord-aaaa-b0')?.live, false)
    assert.equal(networkOwner('ord-dddd-h1'), undefined, 'no claim')
    assert.equal(networkOwner('eth0'), undefined)

    // cccc's objects still exist (a recover will remove them through the ledger or as strays).
    assert.deepEqual(pruneClaims(['ord-cccc-h1']), ['aaaa'])
    assert.equal(networkOwner('ord-bbbb-h1')?.live, true, 'a live claim stays')
  } finally {
    live.release()
  }
})
