import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import { Journal, parseJournal } from './journal.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-journal-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('a durable journal syncs at once after run and fault events, else at most every 50 ms', async () => {
  let now = 0
  const syncs: number[] = []
  const file = path.join(dir, 'durable.jsonl')
  const journal = new Journal({
    file,
    durable: { groupMs: 50, now: () => now, sync: () => syncs.push(now) },
  })
  journal.emit({ type: 'run.started', runId: 'r', experiment: 'e', hypothesis: 'h' } as never)
  assert.deepEqual(syncs, [0])
  // A burst of ordinary events within 50 ms: no sync of their own...
  for (let i = 0; i < 100; i++) {
    now = 10 + i / 10
    journal.emit({ type: 'step.started', stepId: `s${i}` })
  }
  assert.deepEqual(syncs, [0])
  // ...but a fault event syncs them with it, at once.
  now = 20
  journal.emit({
    type: 'fault.injected',
    stepId: 's',
    faultId: 'f',
    fault: 'process-kill',
    targets: [],
  } as never)
  assert.deepEqual(syncs, [0, 20])
  // Past the group window, the next ordinary event syncs.
  now = 71
  journal.emit({ type: 'step.started', stepId: 'late' })
  assert.deepEqual(syncs, [0, 20, 71])
  // Within it, a timer syncs what is pending (the file is on disk before the timer fires).
  now = 80
  journal.emit({ type: 'step.started', stepId: 'pending' })
  assert.equal(syncs.length, 3)
  assert.equal(parseJournal(readFileSync(file, 'utf8')).at(-1)?.seq, 103)
  now = 200
  journal.emit({ type: 'run.aborted', kind: 'signal', reason: 'x' })
  journal.emit({ type: 'run.ended' })
  assert.deepEqual(syncs, [0, 20, 71, 200, 200])
  await journal.close()
  assert.equal(syncs.length, 5) // nothing left to sync at close
  const events = parseJournal(readFileSync(file, 'utf8'))
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i)
  )
})

test('the pending sync of a durable journal happens without another event', async () => {
  const syncs: string[] = []
  const journal = new Journal({
    file: path.join(dir, 'timer.jsonl'),
    durable: { groupMs: 50, sync: () => syncs.push('sync') },
  })
  journal.emit({ type: 'step.started', stepId: 'a' }) // first: syncs (no earlier sync)
  journal.emit({ type: 'step.started', stepId: 'b' }) // pending
  assert.equal(syncs.length, 1)
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => syncs.length === 2 && (clearInterval(poll), resolve()), 5)
  })
  await journal.close()
  assert.equal(syncs.length, 2)
})

test('a durable journal on a full disk keeps every seq once, in order, with no torn line', async () => {
  const file = path.join(dir, 'full.jsonl')
  // A disk with `room` bytes left: a write takes what fits (a short write), then ENOSPC.
  let room = 300
  const write = (fd: number, buffer: Buffer, offset: number, length: number): number => {
    if (room <= 0) {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
    }
    const n = Math.min(length, room)
    room -= n
    return writeSync(fd, buffer, offset, n)
  }
  const journal = new Journal({ file, durable: { groupMs: 50, sync: () => undefined, write } })
  for (let i = 0; i < 20; i++) {
    journal.emit({ type: 'probe.result', probe: 'p', ok: true, ms: i } as never)
  }
  room = 1_000_000 // space freed: the kept lines go first, then the new ones
  for (let i = 0; i < 5; i++) {
    journal.emit({ type: 'probe.result', probe: 'p', ok: true, ms: i } as never)
  }
  await journal.close()
  const lines = readFileSync(file, 'utf8').split('\n')
  assert.equal(lines.pop(), '')
  assert.deepEqual(
    lines.map((line) => (JSON.parse(line) as { seq: number }).seq),
    Array.from({ length: 25 }, (_, i) => i)
  )
})
