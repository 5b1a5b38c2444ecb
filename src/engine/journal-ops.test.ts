import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import type { HistoryOp } from '../load/contract.js'
import { Journal, parseJournal } from './journal.js'
import { journalFileEvents, journalFileOps, opsOf } from './journal-ops.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-journal-ops-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function op(seq: number, stepValue: string): HistoryOp {
  // A multi-byte id: a chunk boundary may fall inside one of its characters.
  return {
    seq,
    process: 0,
    type: 'invoke',
    f: 'POST /orders',
    value: `é-${stepValue}-${seq}`,
    time: seq,
  }
}

/** A journal file of a bit over 3 MiB: three chunk boundaries, two loads, other events between. */
async function writeJournal(file: string): Promise<Journal> {
  const journal = new Journal({ file })
  journal.emit({ type: 'step.started', stepId: 's1' })
  for (let seq = 0; seq < 30_000; seq++) {
    journal.emit({
      type: 'op',
      stepId: seq % 3 === 0 ? 's2' : 's1',
      op: op(seq, 'x'.repeat(seq % 50)),
    })
    if (seq % 1000 === 0) {
      journal.emit({ type: 'step.started', stepId: `s${seq}` })
    }
  }
  await journal.close()
  return journal
}

test('streams the ops of one load from an NDJSON journal, as the in-memory journal has them', async () => {
  const file = path.join(dir, 'journal.ndjson')
  const journal = await writeJournal(file)
  assert.ok(readFileSync(file).length > 3 << 20)
  for (const stepId of ['s1', 's2', undefined]) {
    const fromFile = [...journalFileOps(file, stepId)]
    assert.deepEqual(fromFile, [...opsOf(journal.events, stepId)])
    assert.ok(fromFile.length > 9_000)
  }
  // Iterable again: each pass reads the file anew.
  const ops = journalFileOps(file, 's2')
  assert.equal([...ops].length, [...ops].length)
  assert.deepEqual([...journalFileEvents(file)], parseJournal(readFileSync(file, 'utf8')))
})

test('a torn last line (a killed writer) is skipped; the events before it stand', async () => {
  const file = path.join(dir, 'torn.ndjson')
  writeFileSync(file, '')
  const journal = new Journal({ file })
  journal.emit({ type: 'op', stepId: 's1', op: op(0, 'a') })
  await journal.close()
  appendFileSync(file, '{"type":"op","stepId":"s1","op":{"seq":1,')
  assert.deepEqual([...journalFileOps(file)], [op(0, 'a')])
})
