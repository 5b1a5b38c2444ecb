import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { attemptPartId, onCenterHost, runOfPartId } from './part-link.js'

test('onCenterHost: loopback, one of the server’s own addresses, or the address it connected to', () => {
  const own = () => ['10.1.2.3', 'fe80::1']
  assert.equal(onCenterHost('127.0.0.1', '127.0.0.1', own), true)
  assert.equal(onCenterHost('::ffff:127.0.0.5', undefined, own), true)
  assert.equal(onCenterHost('::1', undefined, own), true)
  assert.equal(onCenterHost('10.1.2.3', '10.1.2.3', own), true)
  assert.equal(onCenterHost('::ffff:10.1.2.3', undefined, own), true, 'an own address')
  assert.equal(
    onCenterHost('198.18.0.9', '::ffff:198.18.0.9', () => []),
    true,
    'its local end'
  )
  assert.equal(onCenterHost('198.18.0.7', '198.18.0.1', own), false)
  assert.equal(onCenterHost('', undefined, own), false)
})

test('attempt part ids: the first is <runId>.<logical>, later ones carry _<n>; both map back', () => {
  assert.equal(attemptPartId('X', 'a', 1), 'X.a')
  assert.equal(attemptPartId('X', 'a', 2), 'X.a_2')
  assert.equal(runOfPartId('X.a_2'), 'X')
  assert.equal(runOfPartId('plain'), undefined)
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
      fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/),
      fc.integer({ min: 1, max: 99 }),
      (runId, logical, attempt) => {
        assert.equal(runOfPartId(attemptPartId(runId, logical, attempt)), runId)
      }
    )
  )
})
