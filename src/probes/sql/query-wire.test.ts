import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { sqlScalar } from './client.js'
import { toCell } from './query-wire.js'

// What the probe and the checks see of a cell must not depend on whether the query ran in
// process or in the run user's child: sqlScalar(JSON round trip of toCell(v)) = sqlScalar(v).
const driverValues = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array().map((bytes) => Buffer.from(bytes)),
  fc.dictionary(fc.string(), fc.integer())
)

test('a cell read through the child is the cell read in process', () => {
  fc.assert(
    fc.property(driverValues, (value) => {
      const wire = JSON.parse(JSON.stringify([toCell(value)])) as unknown[]
      const expected = sqlScalar(value)
      // -0 is 0 once through JSON; no comparator tells them apart.
      assert.deepEqual(sqlScalar(wire[0]), Object.is(expected, -0) ? 0 : expected)
    })
  )
})

test('Infinity, which JSON cannot carry, travels as its text', () => {
  assert.equal(toCell(Infinity), 'Infinity')
  assert.equal(toCell(-Infinity), '-Infinity')
  assert.equal(toCell(null), null)
})
