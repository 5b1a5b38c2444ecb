/**
 * Review item 6: `ordeal recover` undoes a dead run's ledger only while holding its run lock,
 * from the entries read under that lock. Two recoveries of the same dead ledger at once undo
 * each entry exactly once: each undo here appends a line to a file (slowly, so the two
 * recoveries overlap), and the file must end with one line per entry.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Ledger, pendingEntries } from '../../src/safety/ledger.js'
import { workspace } from '../support/cli.js'
import { withSweepLock } from '../support/sweep-lock.js'

const ws = workspace()
after(() => ws.cleanup())

test('two concurrent recoveries of one dead ledger undo each entry exactly once', async () => {
  const count = path.join(ws.dir, 'undos')
  const ledgers = path.join(ws.stateDir, 'ledgers')
  // A dead run: its ledger exists and nobody holds its lock.
  const ledger = new Ledger('dead-run', ledgers)
  const entries = 3
  for (let i = 0; i < entries; i++) {
    ledger.record(
      `f${i}`,
      {
        kind: 'command',
        argv: ['sh', '-c', `sleep 0.3; echo undo-${i} >> '${count}'`],
        label: `undo ${i}`,
      },
      0
    )
  }
  const [a, b] = await withSweepLock(() => Promise.all([ws.run(['recover']), ws.run(['recover'])]))
  assert.equal(a.exitCode, 0, a.stderr)
  assert.equal(b.exitCode, 0, b.stderr)
  const lines = readFileSync(count, 'utf8').trim().split('\n').sort()
  assert.deepEqual(lines, ['undo-0', 'undo-1', 'undo-2'], `${a.stdout}\n---\n${b.stdout}`)
  assert.equal(pendingEntries(ledger.file).length, 0)
})
