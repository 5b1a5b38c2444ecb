import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isLoopbackHostHeader } from './host-check.js'

test('loopback names and addresses, with the right port or none, are accepted', () => {
  for (const host of [
    '127.0.0.1:7700',
    '127.0.0.1',
    '127.1.2.3:7700',
    'localhost:7700',
    'LOCALHOST',
    'app.localhost:7700',
    '[::1]:7700',
    '[::1]',
    undefined,
  ]) {
    assert.equal(isLoopbackHostHeader(host, 7700), true, String(host))
  }
})

test('other names, other ports and malformed hosts are refused', () => {
  for (const host of [
    'evil.example:7700',
    'evil.example',
    '127.0.0.1.evil.example:7700',
    'localhost.evil.example',
    '127.0.0.1:7701',
    'localhost:80',
    '[::2]:7700',
    '10.0.0.1:7700',
    '0.0.0.0:7700',
    '',
    ':7700',
    '127.0.0.1:7700:7700',
  ]) {
    assert.equal(isLoopbackHostHeader(host, 7700), false, host)
  }
})
