import assert from 'node:assert/strict'
import { test } from 'node:test'
import { once } from 'node:events'
import { deadlineSignal } from './deadline-signal.js'

test('aborts with a TimeoutError once its time is up, even inside AbortSignal.any', async () => {
  const combined = AbortSignal.any([new AbortController().signal, deadlineSignal(20)])
  await once(combined, 'abort')
  assert.equal((combined.reason as Error).name, 'TimeoutError')
})
