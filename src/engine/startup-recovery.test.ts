import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseJournal } from './journal.js'
import { Ledger, pendingEntries } from '../safety/ledger.js'
import { writeRunInfo } from '../safety/run-info.js'
import { createLockedLedger } from '../safety/run-lock.js'
import { recoverDeadRuns } from './startup-recovery.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-startup-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('undoes the ledgers of dead runs only, logs each undo and records it in the journal', async () => {
  const ledgers = path.join(dir, 'ledgers')
  mkdirSync(ledgers, { recursive: true })
  const deadFile = path.join(dir, 'dead-fill')
  const liveFile = path.join(dir, 'live-fill')
  writeFileSync(deadFile, 'x')
  writeFileSync(liveFile, 'x')
  // A dead run: its ledger exists, nobody holds its lock.
  new Ledger('dead', ledgers).record(
    'f',
    { kind: 'remove-file', path: deadFile, label: 'remove dead-fill' },
    0
  )
  const runDir = path.join(dir, 'runs', 'dead')
  mkdirSync(runDir, { recursive: true })
  const journalFile = path.join(dir, 'dead.ndjson')
  // The runner died mid-write: the last line is torn.
  writeFileSync(
    journalFile,
    `${JSON.stringify({ type: 'system.ready', seq: 0, t: 1 })}\n${JSON.stringify({ type: 'step.started', stepId: 's', seq: 1, t: 2 })}\n{"type":"fau`
  )
  writeRunInfo(runDir, { runId: 'dead', pid: 1, journalFile })
  // A live run: its lock is held (here by this process, as a runner would).
  const lock = createLockedLedger(path.join(ledgers, 'live.ndjson'))
  new Ledger('live', ledgers).record(
    'f',
    { kind: 'remove-file', path: liveFile, label: 'remove live-fill' },
    0
  )
  const lines: string[] = []
  try {
    const recovered = await recoverDeadRuns({
      by: 'test start-up',
      log: (l) => lines.push(l),
      stateDir: dir,
    })
    assert.deepEqual(recovered, [{ runId: 'dead', undone: ['remove dead-fill'], failed: [] }])
    assert.deepEqual(lines, ['recovered run dead: undone remove dead-fill'])
    assert.equal(existsSync(deadFile), false)
    assert.equal(existsSync(path.join(ledgers, 'dead.ndjson')), false, 'fully undone: removed')
    assert.equal(existsSync(liveFile), true, 'the live run is untouched')
    assert.equal(pendingEntries(path.join(ledgers, 'live.ndjson')).length, 1)
    const text = readFileSync(journalFile, 'utf8')
    const last = parseJournal(text.split('\n').slice(-2).join('\n'))[0]!
    assert.equal(last.type, 'run.recovered')
    assert.equal(last.seq, 2)
    assert.ok(last.type === 'run.recovered' && last.by === 'test start-up')
    // Idempotent: a second start finds nothing dead.
    assert.deepEqual(await recoverDeadRuns({ by: 't', log: () => {}, stateDir: dir }), [])
  } finally {
    lock.release()
  }
})
