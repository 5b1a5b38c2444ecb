import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration, parseDuration, sleep } from './duration.js'

test('parses Go-style durations', () => {
  assert.equal(parseDuration('30s'), 30_000)
  assert.equal(parseDuration('500ms'), 500)
  assert.equal(parseDuration('1m30s'), 90_000)
  assert.equal(parseDuration('1.5h'), 5_400_000)
  assert.equal(parseDuration('0s'), 0)
})

test('rejects what is not a duration', () => {
  for (const bad of ['', '30', '10 seconds', 's', '-1s', '1d', '1s ', 'ms5']) {
    assert.equal(parseDuration(bad), undefined, bad)
  }
})

test('formats for humans', () => {
  assert.equal(formatDuration(250), '250ms')
  assert.equal(formatDuration(1500), '1.5s')
  assert.equal(formatDuration(90_000), '1m30s')
  assert.equal(formatDuration(120_000), '2m')
})

test('sleep ends early on abort', async () => {
  const controller = new AbortController()
  const started = Date.now()
  const slept = sleep(60_000, controller.signal)
  controller.abort()
  await slept
  assert.ok(Date.now() - started < 1000)
})
