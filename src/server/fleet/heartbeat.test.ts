import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { heartbeatAction, tickMs, HEARTBEAT_MIN_MS, HEARTBEAT_MAX_MS } from './heartbeat.js'

test('pings every heartbeat, and any frame keeps the connection alive', () => {
  const hb = 500
  const state = { lastFrameAt: 0, lastPingAt: 0 }
  assert.equal(heartbeatAction(499, state, hb), 'wait')
  assert.equal(heartbeatAction(500, state, hb), 'ping')
  state.lastPingAt = 500
  assert.equal(heartbeatAction(999, state, hb), 'wait')
  assert.equal(heartbeatAction(1000, state, hb), 'ping')
  state.lastPingAt = 1000
  assert.equal(heartbeatAction(1000, state, hb), 'wait')
  assert.equal(heartbeatAction(1001, state, hb), 'dead')
  state.lastFrameAt = 900 // an events frame, not a pong
  assert.equal(heartbeatAction(1001, state, hb), 'wait')
})

test('a silent agent is dead within 2 heartbeats plus one tick, never before 2 heartbeats', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: HEARTBEAT_MIN_MS, max: HEARTBEAT_MAX_MS }),
      fc.nat(1_000_000),
      (hb, silentFrom) => {
        const tick = tickMs(hb)
        const state = { lastFrameAt: silentFrom, lastPingAt: silentFrom }
        let deadAt: number | undefined
        for (let now = silentFrom; deadAt === undefined; now += tick) {
          const action = heartbeatAction(now, state, hb)
          if (action === 'ping') {
            state.lastPingAt = now
          } else if (action === 'dead') {
            deadAt = now
          }
        }
        assert.ok(deadAt - silentFrom > 2 * hb)
        assert.ok(deadAt - silentFrom <= 2 * hb + tick)
      }
    ),
    { numRuns: 200 }
  )
})
