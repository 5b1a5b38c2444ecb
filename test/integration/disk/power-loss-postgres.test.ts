/**
 * LazyFS's PostgreSQL finding, through the built CLI on a real PostgreSQL 15
 * (examples/deeper-faults/postgres-power-loss): a load inserts rows one request at a time, each
 * acknowledged only after PostgreSQL acknowledged its COMMIT; a disk-fault power-loses the
 * server (SIGKILL, every write not fsynced dropped), it starts again and runs crash recovery; a
 * queue check reads the table. fsync=off: acknowledged rows are gone (verdict fail, the lost
 * ids counted); fsync=on: none is (verdict pass). The opposite verdicts are the proof.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../../support/cli.js'
import { diskfsUnavailable } from '../../../src/disk/helper-path.js'
import { readMountInfo } from '../../../src/safety/mountinfo.js'
import { parseJournal } from '../../../src/engine/journal.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const example = path.join(repoRoot, 'examples/deeper-faults/postgres-power-loss/experiment.yaml')
const skip =
  diskfsUnavailable() ??
  (existsSync('/usr/lib/postgresql/15/bin/postgres') ? undefined : 'needs PostgreSQL 15')

describe(
  'power loss: PostgreSQL with fsync off loses acknowledged rows, with fsync on it does not',
  { skip },
  () => {
    for (const [fsync, verdict, exit] of [
      ['off', 'fail', 1],
      ['on', 'pass', 0],
    ] as const) {
      test(`fsync=${fsync}: verdict ${verdict}`, { timeout: 120_000 }, async (t) => {
        const json = path.join(ws.dir, `pg-${fsync}.json`)
        const journal = path.join(ws.dir, `pg-${fsync}.ndjson`)
        const r = await ws.run([
          'run',
          example,
          '--set',
          `FSYNC=${fsync}`,
          '--json',
          json,
          '--journal',
          journal,
        ])
        assert.equal(r.exitCode, exit, `${r.stdout}${r.stderr}`)
        const result = JSON.parse(readFileSync(json, 'utf8')) as {
          verdict: string
          checks: {
            name: string
            lost: number
            message: string
            details?: { acknowledged: number; delivered: number }
          }[]
        }
        assert.equal(result.verdict, verdict)
        const check = result.checks.find((c) => c.name === 'acknowledged-rows-survive')!
        const events = parseJournal(readFileSync(journal, 'utf8'))
        const dropped = events.find(
          (e) =>
            e.type === 'fault.action' &&
            e.detail.startsWith('power loss:') &&
            e.detail.includes('dropped')
        )
        assert.ok(dropped, 'the power loss happened and was journaled')
        t.diagnostic(`${dropped.type === 'fault.action' ? dropped.detail : ''}; ${check.message}`)
        // Rows were acknowledged one by one (50/s for 3 s), and read back after the power loss.
        assert.ok((check.details?.acknowledged ?? 0) >= 50, JSON.stringify(check.details))
        if (fsync === 'off') {
          assert.ok(check.lost > 0, `acknowledged rows were lost: ${check.message}`)
        } else {
          assert.equal(check.lost, 0, check.message)
        }
        assert.equal(
          readMountInfo().filter((m) => m.source.startsWith('ordeal-disk-postgres-power-loss'))
            .length,
          0,
          'unmounted at the end'
        )
      })
    }
  }
)
