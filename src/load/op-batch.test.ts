import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { HistoryOp } from './contract.js'
import { OpBatchBuilder, forEachOp } from './op-batch.js'

const opArb: fc.Arbitrary<HistoryOp> = fc
  .record(
    {
      seq: fc.nat(),
      process: fc.nat(),
      type: fc.constantFrom('invoke' as const, 'ok' as const, 'fail' as const, 'info' as const),
      time: fc.double({ min: 1e12, max: 2e12, noNaN: true }),
      value: fc.string(),
      error: fc.string(),
      status: fc.integer({ min: 100, max: 599 }),
    },
    { requiredKeys: ['seq', 'process', 'type', 'time'] }
  )
  .map((op) => ({ ...op, f: 'POST /orders' }))

test('ops survive the batch encoding exactly, in order, across batches and growth', () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 40 }),
      fc.integer({ min: 1, max: 8 }),
      (ops, capacity) => {
        const builder = new OpBatchBuilder(capacity)
        const out: HistoryOp[] = []
        ops.forEach((op, i) => {
          builder.push(op)
          if (i % 7 === 6) {
            forEachOp(builder.take(), 'POST /orders', (o) => out.push(o))
          }
        })
        forEachOp(builder.take(), 'POST /orders', (o) => out.push(o))
        assert.deepEqual(out, ops)
      }
    )
  )
})
