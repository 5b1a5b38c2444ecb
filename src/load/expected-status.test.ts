import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseExpectedStatus } from './expected-status.js'

test('ranges and lists', () => {
  const ok = parseExpectedStatus('200-299,304, 404')
  assert.equal(typeof ok, 'function')
  const check = ok as (s: number) => boolean
  assert.deepEqual([200, 250, 299, 300, 304, 404, 500].map(check), [
    true,
    true,
    true,
    false,
    true,
    true,
    false,
  ])
  const defaults = parseExpectedStatus('200-399') as (s: number) => boolean
  assert.deepEqual([199, 200, 302, 399, 400].map(defaults), [false, true, true, true, false])
})

test('one-line problems', () => {
  assert.equal(
    parseExpectedStatus('2xx'),
    "expected status '2xx' must be like '200-399' or '200,201'"
  )
  assert.equal(parseExpectedStatus('300-200'), "expected status range '300-200' goes backwards")
})
