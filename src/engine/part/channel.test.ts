import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PartReply } from '../../platforms/agent/part.js'
import { PartChannel } from './channel.js'

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
