import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseFleetFlags } from './server-fleet-flags.js'

const files: Record<string, string> = { '/c.pem': 'CERT', '/k.pem': 'KEY', '/empty': '' }
const read = (file: string) => {
  if (!(file in files)) {
    throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' })
  }
  return Buffer.from(files[file]!)
}

test('defaults: heartbeat 5s, lease 30s, queue timeout 10m, no TLS', () => {
  assert.deepEqual(parseFleetFlags({}, read), {
    agentHeartbeatMs: 5000,
    agentLeaseMs: 30_000,
    queueTimeoutMs: 600_000,
  })
})

test('TLS: both files or neither, read at start', () => {
  const both = parseFleetFlags({ tlsCert: '/c.pem', tlsKey: '/k.pem' }, read)
  assert.ok(typeof both !== 'string')
  assert.equal(both.tls?.cert.toString(), 'CERT')
  assert.equal(both.tls?.key.toString(), 'KEY')
  assert.equal(parseFleetFlags({ tlsCert: '/c.pem' }, read), '--tls-cert and --tls-key go together')
  assert.equal(parseFleetFlags({ tlsKey: '/k.pem' }, read), '--tls-cert and --tls-key go together')
  assert.equal(parseFleetFlags({ tlsCert: '/x', tlsKey: '/k.pem' }, read), '--tls-cert /x: ENOENT')
  assert.equal(
    parseFleetFlags({ tlsCert: '/c.pem', tlsKey: '/empty' }, read),
    '--tls-key /empty is empty'
  )
})

test('heartbeat 200ms..60s; lease at least 3 heartbeats and 2s; queue timeout up to 24h', () => {
  assert.equal(
    parseFleetFlags({ agentHeartbeat: '100ms' }, read),
    "--agent-heartbeat '100ms' must be a duration from 200ms to 60s"
  )
  assert.equal(
    parseFleetFlags({ agentHeartbeat: 'soon' }, read),
    "--agent-heartbeat 'soon' must be a duration from 200ms to 60s"
  )
  assert.equal(
    parseFleetFlags({ agentHeartbeat: '500ms', agentLease: '1s' }, read),
    '--agent-lease 1s must be at least 3 × --agent-heartbeat (1.5s)'
  )
  assert.equal(
    parseFleetFlags({ agentHeartbeat: '200ms', agentLease: '1s' }, read),
    '--agent-lease 1s must be from 2s to 1h'
  )
  assert.equal(
    parseFleetFlags({ agentLease: '10s' }, read),
    '--agent-lease 10s must be at least 3 × --agent-heartbeat (15s)'
  )
  assert.equal(
    parseFleetFlags({ queueTimeout: '25h' }, read),
    "--queue-timeout '25h' must be a duration from 1ms to 24h"
  )
  assert.deepEqual(
    parseFleetFlags({ agentHeartbeat: '500ms', agentLease: '4s', queueTimeout: '20s' }, read),
    { agentHeartbeatMs: 500, agentLeaseMs: 4000, queueTimeoutMs: 20_000 }
  )
})
