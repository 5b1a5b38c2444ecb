import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../../src/load/generator.js'
import type { HistoryOp } from '../../../src/load/contract.js'
import { freePort } from '../../support/free-port.js'
import { spec, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

/** Pairs each invoke with its completion; fails on a missing, extra or out-of-order op. */
function pairs(ops: HistoryOp[]): Map<number, { invoke: HistoryOp; done: HistoryOp }> {
  const open = new Map<number, HistoryOp>()
  const result = new Map<number, { invoke: HistoryOp; done: HistoryOp }>()
  for (const op of ops) {
    if (op.type === 'invoke') {
      assert.ok(!open.has(op.seq) && !result.has(op.seq), `seq ${op.seq} invoked twice`)
      open.set(op.seq, op)
    } else {
      const invoke = open.get(op.seq)
      assert.ok(invoke, `completion of seq ${op.seq} without an earlier invoke`)
      assert.equal(op.process, invoke.process, `seq ${op.seq} completes on its own process`)
      assert.ok(op.time >= invoke.time)
      open.delete(op.seq)
      result.set(op.seq, { invoke, done: op })
    }
  }
  assert.equal(open.size, 0, `invokes without completion: ${[...open.keys()].join(', ')}`)
  return result
}

describe('history', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('every invoke has exactly one completion: ok, fail for a 500, info for a timeout or a reset', async () => {
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      spec(`${server.base}/mixed/{{seq}}`, { rate: 50, durationMs: 1000, timeoutMs: 300 }),
      { onOp: (op) => ops.push(op) }
    )
    const byseq = pairs(ops)
    assert.equal(byseq.size, 50)
    for (const [seq, { invoke, done }] of byseq) {
      assert.equal(invoke.f, 'GET /mixed/{{seq}}')
      const expected = ['ok', 'fail', 'info', 'info', 'ok'][seq % 5]
      assert.equal(done.type, expected, `seq ${seq}: ${JSON.stringify(done)}`)
      if (seq % 5 === 1) {
        assert.equal(done.status, 500)
        assert.equal(done.error, 'status 500')
      }
      if (seq % 5 === 2) {
        assert.equal(done.error, 'timeout after 300ms')
        assert.ok(done.time - invoke.time >= 290, 'a timeout is reported after the timeout')
      }
      if (seq % 5 === 3) {
        assert.match(done.error ?? '', /ECONNRESET|socket hang up/)
      }
    }
    assert.deepEqual(summary.errors, { http: 10, timeout: 10, connection: 10 })
    assert.equal(summary.ok, 20)
    assert.equal(summary.failed, 30)
  })

  test('after an info its process id is retired: no process has two ops open at once', async () => {
    const ops: HistoryOp[] = []
    await runLoad(
      spec(`${server.base}/mixed/{{seq}}`, {
        rate: 100,
        durationMs: 1000,
        timeoutMs: 200,
        maxInFlight: 4,
      }),
      {
        onOp: (op) => ops.push(op),
      }
    )
    pairs(ops)
    const busy = new Set<number>()
    const retired = new Set<number>()
    for (const op of ops) {
      if (op.type === 'invoke') {
        assert.ok(!busy.has(op.process), `process ${op.process} invoked while busy`)
        assert.ok(!retired.has(op.process), `process ${op.process} reused after an info`)
        busy.add(op.process)
      } else {
        busy.delete(op.process)
        if (op.type === 'info') {
          retired.add(op.process)
        }
      }
    }
    assert.ok(retired.size > 0)
    // A fresh id is the old one plus maxInFlight, so it stays on the same slot.
    assert.ok(ops.every((op) => op.process >= 0))
  })

  test('a refused connection is a definite fail', async () => {
    const port = await freePort() // nothing listens there
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      spec(`http://127.0.0.1:${port}/`, { rate: 20, durationMs: 500 }),
      {
        onOp: (op) => ops.push(op),
      }
    )
    const byseq = pairs(ops)
    assert.equal(byseq.size, 10)
    for (const { done } of byseq.values()) {
      assert.equal(done.type, 'fail', JSON.stringify(done))
      assert.equal(done.error, 'ECONNREFUSED')
      assert.equal(done.status, undefined)
    }
    assert.equal(summary.errors.connection, 10)
  })

  test('templating: {{seq}}, one {{uuid}} shared by body and id, captured ids in the completions', async () => {
    const ops: HistoryOp[] = []
    const summary = await runLoad(
      spec('http://127.0.0.1:{{port}}/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-seq': '{{seq}}' },
        body: '{"ref":"{{uuid}}","seq":{{seq}},"at":"{{now}}"}',
        id: '{{uuid}}',
        capture: '$.id',
        rate: 40,
        durationMs: 500,
      }),
      { onOp: (op) => ops.push(op), vars: { port: server.port } }
    )
    assert.equal(summary.ok, 20)
    const orders = (await server.stats()).orders
    assert.equal(orders.length, 20)
    const bySeq = new Map(orders.map((o) => [o.seq, o]))
    const refs = new Set<string>()
    for (const [seq, { invoke, done }] of pairs(ops)) {
      assert.equal(invoke.f, 'POST /orders')
      const order = bySeq.get(seq)
      assert.ok(order, `the server got seq ${seq}`)
      assert.equal(order.header, String(seq), 'headers are templated too')
      assert.ok(Math.abs(Date.parse(order.at) - invoke.time) < 1000, `{{now}}: ${order.at}`)
      assert.match(invoke.value ?? '', /^[0-9a-f-]{36}$/)
      assert.equal(order.ref, invoke.value, 'the id is the uuid the body carried')
      assert.equal(done.value, `order-${seq}`, 'the completion carries the captured id')
      refs.add(order.ref)
    }
    assert.equal(refs.size, 20, 'one uuid per request')
  })

  test('capture falls back to the id when the answer has no such value', async () => {
    const ops: HistoryOp[] = []
    await runLoad(
      spec(`${server.base}/ok`, { id: 'req-{{seq}}', capture: '$.id', rate: 20, durationMs: 250 }),
      {
        onOp: (op) => ops.push(op),
      }
    )
    for (const [seq, { done }] of pairs(ops)) {
      assert.equal(done.value, `req-${seq}`)
    }
  })
})
