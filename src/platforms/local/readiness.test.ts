import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseTcpTarget, pollDelay } from './readiness.js'

describe('pollDelay', () => {
  it('backs off 100, 250, 500 ms, then polls every second', () => {
    assert.deepEqual([0, 1, 2, 3, 10].map(pollDelay), [100, 250, 500, 1000, 1000])
  })
})

describe('parseTcpTarget', () => {
  it('reads host:port, [v6]:port and a bare port meaning 127.0.0.1', () => {
    assert.deepEqual(parseTcpTarget('localhost:5672'), { host: 'localhost', port: 5672 })
    assert.deepEqual(parseTcpTarget('[::1]:80'), { host: '::1', port: 80 })
    assert.deepEqual(parseTcpTarget(' 8080 '), { host: '127.0.0.1', port: 8080 })
  })

  it('rejects anything else', () => {
    assert.throws(() => parseTcpTarget('nope'), /not a host:port or a port/)
    assert.throws(() => parseTcpTarget('host:70000'), /not a host:port/)
  })
})
