import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { manifestLabels, matchesLabels } from './labels.js'

const manifest = (metadata: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
${metadata}
spec:
  hypothesis: h
`

test('metadata.labels are read from the manifest; anything else is no labels', () => {
  assert.deepEqual(manifestLabels(manifest('  name: x\n  labels: { team: payments, tier: "1" }')), {
    team: 'payments',
    tier: '1',
  })
  assert.deepEqual(manifestLabels(manifest('  name: x')), {})
  assert.deepEqual(manifestLabels(manifest('  name: x\n  labels: [a, b]')), {})
  assert.deepEqual(manifestLabels(manifest('  name: x\n  labels: { n: 1, s: "1" }')), { s: '1' })
  assert.deepEqual(manifestLabels('{{{ not yaml'), {})
  assert.deepEqual(manifestLabels(''), {})
})

test('any string labels round-trip through the YAML', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (labels) => {
      const yaml = stringify({ metadata: { name: 'x', labels } })
      assert.deepEqual(manifestLabels(yaml), { ...labels })
    })
  )
})

test('label filters: every key=value must match; the value may hold "="', () => {
  const labels = { team: 'payments', expr: 'a=b', empty: '' }
  assert.equal(matchesLabels(labels, []), true)
  assert.equal(matchesLabels(labels, ['team=payments']), true)
  assert.equal(matchesLabels(labels, ['team=payments', 'expr=a=b']), true)
  assert.equal(matchesLabels(labels, ['team=payments', 'expr=a']), false)
  assert.equal(matchesLabels(labels, ['empty=']), true)
  assert.equal(matchesLabels(labels, ['missing=']), false)
  assert.equal(matchesLabels(labels, ['=payments']), false)
  assert.equal(matchesLabels(labels, ['TEAM=payments']), false, 'keys are exact')
})
