import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, test } from 'node:test'
import fc from 'fast-check'
import type { FromAgent } from './protocol.js'
import { Outbox } from './outbox.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-outbox-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const line = (seq: number, type = 'probe.result') =>
  `${JSON.stringify({ type, seq, t: 1000 + seq })}\n`
const journal = (n: number, end = false) =>
  Array.from({ length: n }, (_, seq) =>
    line(seq, end && seq === n - 1 ? 'run.ended' : 'probe.result')
  ).join('')

function outboxOn(
  text: string,
  options: { acked?: number; maxUnacked?: number; marks?: boolean; now?: () => number } = {}
) {
  const file = path.join(dir, `j${files++}.jsonl`)
  writeFileSync(file, text)
  const frames: FromAgent[] = []
  const logs: string[] = []
  const timers: (() => void)[] = []
  const done: string[] = []
  const outbox = new Outbox({
    runId: 'r1',
    file,
    send: (frame) => (frames.push(frame), true),
    log: (l) => logs.push(l),
    onDone: (how) => done.push(how),
    setTimer: (fn) => timers.push(fn),
    ...options,
  })
  const seqs = (): number[] =>
    frames.flatMap((f) => (f.type === 'events' ? f.events.map((e) => e.seq) : []))
  return { file, outbox, frames, logs, timers, done, seqs }
}

test('a torn last line is left and read again once it is whole', () => {
  const { file, outbox, seqs } = outboxOn(journal(3) + '{"type":"probe.res')
  outbox.connected()
  assert.deepEqual(seqs(), [0, 1, 2])
  assert.deepEqual(outbox.report(), { runId: 'r1', lastSeq: 2, ended: false })
  appendFileSync(file, 'ult","seq":3,"t":1}\n' + line(4, 'run.ended'))
  outbox.pump()
  assert.deepEqual(seqs(), [0, 1, 2, 3, 4])
  assert.deepEqual(outbox.report(), { runId: 'r1', lastSeq: 4, ended: true })
})

test('a bad line with its newline (ended by start-up recovery) is skipped', () => {
  const { outbox, seqs } = outboxOn(journal(2) + '{"torn\n' + line(2) + line(3, 'run.ended'))
  outbox.connected()
  assert.deepEqual(seqs(), [0, 1, 2, 3])
})

test('after a reconnect it resends from the acked seq + 1, across the 1000-seq index', () => {
  const { outbox, frames, seqs } = outboxOn(journal(3500), { maxUnacked: 10 })
  outbox.connected()
  assert.deepEqual(
    frames.map((f) => (f.type === 'events' ? [f.events[0]!.seq, f.events.length] : f.type)),
    [
      [0, 1000],
      [1000, 1000],
      [2000, 1000],
      [3000, 500],
    ]
  )
  outbox.ack(1999)
  outbox.disconnected()
  frames.length = 0
  outbox.connected(2442) // the server stored more than we persisted
  assert.equal(seqs()[0], 2443)
  assert.equal(seqs().at(-1), 3499)
  assert.equal(seqs().length, 3500 - 2443)
})

test('at most 4 frames in flight; each ack lets the next go; ended after the last ack', () => {
  const { outbox, frames, done } = outboxOn(journal(6000, true))
  outbox.connected()
  assert.equal(frames.length, 4)
  assert.equal(outbox.inflight, 4)
  outbox.ack(999)
  assert.equal(frames.length, 5)
  outbox.ack(4999)
  assert.equal(frames.length, 6)
  assert.deepEqual(done, [])
  outbox.ack(5999)
  assert.deepEqual(frames.at(-1), { type: 'ended', runId: 'r1' })
  assert.deepEqual(done, ['ended'])
})

test('nack 503 resends from the last ack after retryMs; nack 409 drops the run', () => {
  const a = outboxOn(journal(10))
  a.outbox.connected()
  a.outbox.ack(4)
  a.frames.length = 0
  a.outbox.nack(503, 'store unavailable', 200)
  assert.deepEqual(a.seqs(), [])
  a.timers.shift()!()
  assert.deepEqual(a.seqs(), [5, 6, 7, 8, 9])

  const b = outboxOn(journal(10))
  b.outbox.connected()
  b.outbox.nack(409, 'run r1 has ended')
  assert.deepEqual(b.done, ['refused'])
  assert.match(
    b.logs[0]!,
    /run r1: the Chaos Center refuses its events \(run r1 has ended\); dropping them/
  )
  b.outbox.pump()
  assert.equal(b.frames.length, 1)
})

test('whatever the acks and reconnects, the server gets every seq, contiguous and ascending', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.array(fc.oneof(fc.constant('ack'), fc.constant('reconnect'), fc.constant('lose-ack')), {
        maxLength: 30,
      }),
      (n, script) => {
        const { outbox, frames } = outboxOn(journal(n, true))
        let stored = -1 // contiguous on the server
        const deliver = () => {
          for (const f of frames.splice(0)) {
            if (f.type !== 'events') {
              continue
            }
            const seqs = f.events.map((e) => e.seq)
            seqs.forEach((s, i) => i === 0 || assert.equal(s, seqs[i - 1]! + 1))
            assert.ok(seqs[0]! <= stored + 1, 'no gap')
            stored = Math.max(stored, seqs.at(-1)!)
          }
        }
        outbox.connected()
        for (const step of [...script, 'ack', 'ack', 'ack', 'ack', 'ack', 'ack']) {
          deliver()
          if (step === 'reconnect') {
            outbox.disconnected()
            outbox.connected(stored)
          } else if (step === 'ack') {
            outbox.ack(stored)
          }
        }
        deliver()
        outbox.ack(stored)
        assert.equal(stored, n - 1)
        assert.ok(outbox.done)
      }
    ),
    { numRuns: 60 }
  )
})

test('a reconnect whose resume already covers run.ended sends ended at once', () => {
  const { outbox, frames, done } = outboxOn(journal(5, true))
  outbox.connected(4)
  assert.deepEqual(frames, [{ type: 'ended', runId: 'r1' }])
  assert.deepEqual(done, ['ended'])
})

test('a part marks what it sent each time it read the file to its end, t before the read', () => {
  let clock = 5000
  const h = outboxOn(journal(3), { marks: true, now: () => clock, maxUnacked: 1 })
  h.outbox.connected()
  // Window of one: the first frame is in flight, the file is not read to its end: no mark.
  assert.deepEqual(
    h.frames.map((f) => f.type),
    ['events']
  )
  clock = 6000
  h.outbox.ack(2)
  const mark = h.frames.at(-1)
  assert.deepEqual(mark, { type: 'mark', runId: 'r1', seq: 2, t: 6000 - 5 })
  // Quiet: each pump says the same seq with a later t.
  clock = 6100
  h.outbox.pump()
  assert.deepEqual(h.frames.at(-1), { type: 'mark', runId: 'r1', seq: 2, t: 6095 })
  appendFileSync(h.file, line(3))
  clock = 6200
  h.outbox.pump()
  assert.equal(h.frames.at(-1)?.type, 'events') // in flight: the window is full again
  h.outbox.ack(3)
  assert.deepEqual(h.frames.at(-1), { type: 'mark', runId: 'r1', seq: 3, t: 6195 })
})

test('an ordinary run sends no marks', () => {
  const h = outboxOn(journal(3))
  h.outbox.connected()
  h.outbox.pump()
  assert.ok(h.frames.every((f) => f.type !== 'mark'))
})

test('property: every event journaled before a mark’s t is covered by its seq', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
      (gaps) => {
        // Events stamped at increasing t; marks read at arbitrary points in between.
        let t = 1000
        let clock = 0
        const h = outboxOn('', { marks: true, now: () => clock })
        h.outbox.connected()
        gaps.forEach((gap, seq) => {
          t += gap
          clock = t
          appendFileSync(h.file, `${JSON.stringify({ type: 'op', seq, t })}\n`)
          if (gap % 3 === 0) {
            h.outbox.pump()
          }
        })
        // Every event journaled, sent or not.
        const stamps = new Map<number, number>()
        let at = 1000
        gaps.forEach((gap, seq) => stamps.set(seq, (at += gap)))
        for (const f of h.frames) {
          if (f.type === 'mark') {
            for (const [seq, stamped] of stamps) {
              if (stamped < f.t) {
                assert.ok(seq <= f.seq, `event ${seq} at ${stamped} before mark ${f.t} (${f.seq})`)
              }
            }
          }
        }
      }
    ),
    { numRuns: 50 }
  )
})
