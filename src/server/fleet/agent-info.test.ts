import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { WebSocket } from 'ws'
import { agentInfos } from './agent-info.js'
import { AgentConnection } from './connection.js'

const T = Date.parse('2026-12-07T02:00:00Z')

test('store rows, token names and live connections merge into one row per name', () => {
  const conn = new AgentConnection(
    {} as WebSocket,
    'edge-1',
    'tok_1',
    'h',
    'usr_1',
    '198.18.0.7',
    T
  )
  conn.hello = {
    type: 'hello',
    proto: 1,
    instance: 'i',
    version: '0.2.0',
    labels: { zone: 'eu' },
    hostname: 'edge-1.lan',
    addresses: ['198.18.0.7'],
    maxRuns: 2,
    runs: [],
  }
  conn.readyAt = T
  conn.lastPongAt = T + 5000
  conn.runs.set('r1', { ackedSeq: 3, tail: Promise.resolve(), late: false, leaseMs: 30_000 })
  const rows = [
    {
      name: 'edge-1',
      labels: { zone: 'old' },
      addresses: [],
      maxRuns: 1,
      firstSeenAt: new Date(T - 1e6).toISOString(),
    },
    {
      name: 'edge-2',
      labels: { zone: 'us' },
      version: '0.1.0',
      addresses: ['198.18.0.9'],
      maxRuns: 1,
      firstSeenAt: new Date(T - 1e6).toISOString(),
      disconnectedAt: new Date(T - 60_000).toISOString(),
      lastHeartbeatAt: new Date(T - 61_000).toISOString(),
    },
  ]
  const infos = agentInfos(rows, ['edge-3', 'edge-1'], new Map([['edge-1', conn]]), (name) =>
    name === 'edge-2' ? ['r2'] : []
  )
  assert.deepEqual(infos, [
    {
      name: 'edge-1',
      labels: { zone: 'eu' },
      version: '0.2.0',
      hostname: 'edge-1.lan',
      addresses: ['198.18.0.7'],
      connected: true,
      connectedSince: '2026-12-07T02:00:00.000Z',
      lastHeartbeat: '2026-12-07T02:00:05.000Z',
      maxRuns: 2,
      runs: ['r1'],
    },
    {
      name: 'edge-2',
      labels: { zone: 'us' },
      version: '0.1.0',
      addresses: ['198.18.0.9'],
      connected: false,
      disconnectedSince: '2026-12-07T01:59:00.000Z',
      lastHeartbeat: '2026-12-07T01:58:59.000Z',
      maxRuns: 1,
      runs: ['r2'],
    },
    // Known only from its token: never connected.
    { name: 'edge-3', labels: {}, addresses: [], connected: false, maxRuns: 1, runs: [] },
  ])
})
