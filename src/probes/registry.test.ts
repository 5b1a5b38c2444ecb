/** Every probe type of the schema has its driver, and every driver describes its example. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { probeDrivers } from './registry.js'
import { PROBE_TYPES, probeExamples, probeSchemas } from './schemas.js'

test('every probe type has a registered driver of that type, and no driver lacks a schema', () => {
  assert.deepEqual(Object.keys(probeDrivers).sort(), [...PROBE_TYPES].sort())
  for (const [type, driver] of Object.entries(probeDrivers)) {
    assert.equal(driver.type, type)
  }
})

test('every driver describes its documented example in one line', () => {
  for (const schema of probeSchemas) {
    const type = schema.shape.type.value
    const params = schema.parse(probeExamples[type].value)
    const line = probeDrivers[type]!.describe(params as never)
    assert.ok(line.length > 0 && !line.includes('\n'), `${type}: ${JSON.stringify(line)}`)
  }
})
