import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { matchesExperiment, matchesLabels } from './experiment-filter.js'

const experiment = (labels: Record<string, string> = { team: 'payments', tier: '1' }) => ({
  name: 'checkout-latency',
  hypothesis: 'Orders survive a SLOW database',
  labels,
})

test('q: a case-insensitive substring of the name or of the hypothesis', () => {
  const e = experiment()
  assert.equal(matchesExperiment(e, { q: 'CHECKOUT', labels: [] }), true)
  assert.equal(matchesExperiment(e, { q: ' slow data ', labels: [] }), true)
  assert.equal(matchesExperiment(e, { q: 'kafka', labels: [] }), false)
  assert.equal(matchesExperiment(e, { q: '', labels: [] }), true)
})

test('q never matches across the name and the hypothesis (the UI once searched "name\\nhypothesis")', () => {
  const e = { name: 'ab', hypothesis: 'cd', labels: {} }
  assert.equal(matchesExperiment(e, { q: 'b\nc', labels: [] }), false)
})

test('labels: every k=v must match; the value may hold "="', () => {
  const labels = { team: 'payments', expr: 'a=b', empty: '' }
  const e = experiment(labels)
  assert.equal(matchesExperiment(e, { q: '', labels: ['team=payments', 'expr=a=b'] }), true)
  assert.equal(matchesExperiment(e, { q: '', labels: ['team=payments', 'expr=a'] }), false)
  assert.equal(matchesLabels(labels, ['empty=']), true)
  assert.equal(matchesLabels(labels, ['missing=']), false)
  assert.equal(matchesLabels(labels, ['=payments']), false)
  assert.equal(matchesLabels(labels, ['TEAM=payments']), false, 'keys are exact')
  assert.equal(matchesLabels({}, ['team=payments']), false)
})

test('a label filter without "=" matches nothing, even a label whose value is empty', () => {
  // The UI's own copy read `empty` as `empty=` and kept the experiment; the server dropped it.
  assert.equal(matchesLabels({ empty: '' }, ['empty']), false)
})

test('property: a filter made of the experiment own labels always matches it', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
      fc.string(),
      (labels, name) => {
        const wanted = Object.entries(labels)
          .filter(([k]) => !k.includes('='))
          .map(([k, v]) => `${k}=${v}`)
        assert.equal(
          matchesExperiment({ name, hypothesis: '', labels }, { q: name, labels: wanted }),
          true
        )
      }
    )
  )
})
