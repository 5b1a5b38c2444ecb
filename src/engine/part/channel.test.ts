import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PartReply } from '../../platforms/agent/part.js'
import fc from 'fast-check'
import { kRepliesKept, PartChannel } from './channel.js'

test('commands wait for the runner in order; after close they are answered "the part has ended"', async () => {
  const replies: PartReply[] = []
  const channel = new PartChannel((r) => replies.push(r))
  const signal = new AbortController().signal
  channel.push({ id: 1, command: { kind: 'prepare', address: '198.18.0.2' } })
  channel.push({ id: 2, command: { kind: 'start', remote: {} } })
  assert.equal((await channel.next(signal))?.id, 1)
  assert.equal((await channel.next(signal))?.id, 2)
  const waiting = channel.next(signal)
  channel.push({ id: 3, command: { kind: 'stop' } })
  assert.equal((await waiting)?.id, 3)
  channel.push({ id: 4, command: { kind: 'probe', probeId: 'p' } })
  channel.close()
  channel.push({ id: 5, command: { kind: 'stop' } })
  assert.deepEqual(replies, [
    { id: 4, ok: false, error: 'the part has ended' },
    { id: 5, ok: false, error: 'the part has ended' },
  ])
  assert.equal(await channel.next(signal), undefined)
})

test('an abort ends the wait for the next command', async () => {
  const channel = new PartChannel(() => undefined)
  const abort = new AbortController()
  const waiting = channel.next(abort.signal)
  abort.abort()
  assert.equal(await waiting, undefined)
})

test('a resent command is ignored while in flight and answered again once done (review 14b #4)', async () => {
  const replies: PartReply[] = []
  const channel = new PartChannel((r) => replies.push(r))
  const signal = new AbortController().signal
  channel.push({ id: 1, command: { kind: 'probe', probeId: 'p' } })
  channel.push({ id: 1, command: { kind: 'probe', probeId: 'p' } }) // resent while in flight
  assert.equal((await channel.next(signal))?.id, 1)
  channel.push({ id: 1, command: { kind: 'probe', probeId: 'p' } })
  const waiting = channel.next(signal)
  channel.reply({ id: 1, ok: true, value: { passed: true, message: 'ok' } })
  channel.push({ id: 1, command: { kind: 'probe', probeId: 'p' } }) // its reply was lost
  channel.push({ id: 2, command: { kind: 'stop' } })
  assert.equal((await waiting)?.id, 2) // id 1 was handed to the runner once only
  assert.deepEqual(replies, [
    { id: 1, ok: true, value: { passed: true, message: 'ok' } },
    { id: 1, ok: true, value: { passed: true, message: 'ok' } },
  ])
})

test('property: the reply cache keeps the latest kRepliesKept replies, no more', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 * kRepliesKept }), (n) => {
      const replies: PartReply[] = []
      const channel = new PartChannel((r) => replies.push(r))
      for (let id = 0; id < n; id++) {
        channel.push({ id, command: { kind: 'stop' } })
        channel.reply({ id, ok: true, value: {} })
      }
      channel.push({ id: n - 1, command: { kind: 'stop' } })
      assert.equal(replies.length, n + 1) // the latest is answered again
      channel.push({ id: 0, command: { kind: 'stop' } })
      // The oldest is answered again only while still kept; past the bound it is forgotten.
      assert.equal(replies.length, n <= kRepliesKept ? n + 2 : n + 1)
    }),
    { numRuns: 30 }
  )
})
