import assert from 'node:assert/strict'
import { test } from 'node:test'
import { untilAborted } from './until-aborted.js'

const never = new Promise<string>(() => undefined)

test('the promise wins when it settles first', async () => {
  const controller = new AbortController()
  assert.equal(
    await untilAborted(Promise.resolve('done'), controller.signal, () => 'aborted'),
    'done'
  )
  await assert.rejects(
    untilAborted(Promise.reject(new Error('boom')), controller.signal, () => 'aborted'),
    /boom/
  )
})

test('an abort ends the wait at once, with what onAbort gives or throws', async () => {
  const a = new AbortController()
  const waiting = untilAborted(never, a.signal, () => 'aborted')
  a.abort()
  assert.equal(await waiting, 'aborted')
  const b = new AbortController()
  b.abort()
  await assert.rejects(
    untilAborted(Promise.reject(new Error('late')), b.signal, () => {
      throw new Error('stopped while starting')
    }),
    /stopped while starting/
  )
})
