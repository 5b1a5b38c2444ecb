import assert from 'node:assert/strict'
import { test } from 'node:test'
import { once } from 'node:events'
import { deadlineSignal } from './deadline-signal.js'

test('aborts with a TimeoutError once its time is up, even inside AbortSignal.any', async () => {
  // Its timer does not keep the process alive (as AbortSignal.timeout's does not): this does.
  const keepAlive = setTimeout(() => undefined, 5000)
  const combined = AbortSignal.any([new AbortController().signal, deadlineSignal(20)])
  await once(combined, 'abort')
  clearTimeout(keepAlive)
  assert.equal((combined.reason as Error).name, 'TimeoutError')
})
