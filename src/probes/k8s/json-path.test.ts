import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { normalisePath, showPath, valueAt } from './json-path.js'

const deployment = {
  spec: { replicas: 3 },
  status: {
    replicas: 3,
    conditions: [
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'True' },
    ],
    ready: false,
  },
}

test('every accepted spelling of a path reads the same value', () => {
  const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,8}$/)
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 5 }), fc.integer(), (keys, n) => {
      const object = keys.reduceRight<unknown>((inner, k) => ({ [k]: inner }), n)
      const dotted = keys.join('.')
      for (const spelling of [dotted, `.${dotted}`, `$.${dotted}`, `{.${dotted}}`]) {
        assert.deepEqual(valueAt(object, spelling), { value: n }, spelling)
        assert.equal(showPath(spelling), dotted)
      }
    })
  )
})

test('kubectl-style filters, booleans as JSON words, several matches joined by a space', () => {
  assert.deepEqual(valueAt(deployment, '{.status.conditions[?(@.type=="Available")].status}'), {
    value: 'True',
  })
  assert.deepEqual(valueAt(deployment, 'status.ready'), { value: 'false' })
  assert.deepEqual(valueAt(deployment, '.status.conditions[*].type'), {
    value: 'Available Progressing',
  })
  assert.equal(normalisePath('[0]'), '$[0]')
})

test('a missing field is absent, a broken path is an error naming it', () => {
  assert.deepEqual(valueAt(deployment, 'status.availableReplicas'), { absent: true })
  const broken = valueAt(deployment, 'status[?(@.x==')
  assert.ok('error' in broken && broken.error.startsWith('invalid JSONPath "status[?(@.x=="'))
})
