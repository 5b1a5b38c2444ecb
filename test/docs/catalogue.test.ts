import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from '../support/cli.js'
import { REGENERATE, renderCatalogue, validateExample } from '../../scripts/catalogue.js'
import { faultDrivers } from '../../src/faults/registry.js'
import { faultExamples } from '../../src/faults/schemas.js'
import { probeDrivers } from '../../src/probes/registry.js'
import { probeExamples } from '../../src/probes/schemas.js'
import { CHECK_TYPES, checkExamples } from '../../src/checks/schema.js'

test('docs/catalogue.md is what the generator writes from the schemas (every example validated)', () => {
  const committed = readFileSync(path.join(repoRoot, 'docs/catalogue.md'), 'utf8').split('\n')
  const generated = renderCatalogue().split('\n')
  const line = generated.findIndex((text, i) => text !== committed[i])
  assert.ok(
    line === -1 && committed.length === generated.length,
    `docs/catalogue.md is stale from line ${line === -1 ? generated.length : line + 1}: run \`${REGENERATE}\` and commit it`
  )
})

test('every registered fault, probe and check type has a documented example', () => {
  const lacking = (registered: string[], examples: object) =>
    registered.filter((type) => !Object.hasOwn(examples, type))
  assert.deepEqual(
    lacking(Object.keys(faultDrivers), faultExamples),
    [],
    'faults without an example'
  )
  assert.deepEqual(
    lacking(Object.keys(probeDrivers), probeExamples),
    [],
    'probes without an example'
  )
  assert.deepEqual(lacking([...CHECK_TYPES], checkExamples), [], 'checks without an example')
})

test('an example that does not validate stops the generator, naming it and the issue', () => {
  const spec = {
    system: { proxies: [{ name: 'front', upstream: '127.0.0.1:8000' }] },
    steps: [{ fault: { type: 'proxy-down' as const, proxy: 'frnt', duration: '5s' } }],
  }
  assert.throws(
    () => validateExample('proxy-down', spec),
    (error: Error) =>
      /the example of 'proxy-down' does not validate/.test(error.message) &&
      /docs\/catalogue\.md#proxy-down:\d+: spec\.steps\[0\]\.fault\.proxy: .*frnt.*front/.test(
        error.message
      )
  )
})
