import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  combineLabelSelector,
  fieldSelectorError,
  labelSelectorError,
  selectorObjectToString,
} from './label-selector.js'

test('valid label selectors', () => {
  for (const s of [
    'app=orders',
    'app==orders',
    'app!=orders',
    'tier in (web, api)',
    'tier notin (web,api)',
    'canary',
    '!canary',
    '! canary',
    'app.kubernetes.io/name=orders,tier in (web),!canary',
    'example.com/team=a-b_c.d',
    'empty=',
    'replicas>2',
  ]) {
    assert.equal(labelSelectorError(s), undefined, s)
  }
})

test('invalid label selectors say which requirement', () => {
  assert.match(labelSelectorError('tier in web')!, /^"tier in web" is not a requirement/)
  assert.equal(labelSelectorError('a in (b'), 'has unbalanced parentheses')
  assert.equal(
    labelSelectorError('a=b,,c'),
    'has an empty requirement (two commas, or one at an end)'
  )
  assert.match(labelSelectorError('a in ()')!, /in needs at least one value/)
  assert.match(labelSelectorError('a in (b c)')!, /"b c" is not a label value/)
  assert.match(labelSelectorError('a=b=c')!, /is not a requirement/)
  assert.match(labelSelectorError('-a=b')!, /is not a requirement/)
})

test('field selectors', () => {
  assert.equal(fieldSelectorError('spec.nodeName=kwok-node-1'), undefined)
  assert.equal(fieldSelectorError('status.phase!=Failed,metadata.name==x'), undefined)
  assert.match(fieldSelectorError('spec.nodeName')!, /is not a field requirement/)
})

test('labels and an expression combine; a workload selector becomes a string', () => {
  assert.equal(combineLabelSelector({ b: '2', a: '1' }, 'tier in (x)'), 'a=1,b=2,tier in (x)')
  assert.equal(combineLabelSelector(undefined, undefined), undefined)
  assert.equal(
    selectorObjectToString({
      matchLabels: { app: 'orders' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'api'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'team', operator: 'Exists' },
      ],
    }),
    'app=orders,tier in (web,api),env notin (dev),!canary,team'
  )
})

test('property: every selector built from valid requirements is valid', () => {
  const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9_.]{0,10}[a-z0-9])?$/)
  const requirement = fc.oneof(
    fc.tuple(name, fc.constantFrom('=', '==', '!='), name).map(([k, op, v]) => `${k}${op}${v}`),
    fc
      .tuple(name, fc.constantFrom('in', 'notin'), fc.array(name, { minLength: 1, maxLength: 4 }))
      .map(([k, op, vs]) => `${k} ${op} (${vs.join(', ')})`),
    name,
    name.map((k) => `!${k}`)
  )
  fc.assert(
    fc.property(fc.array(requirement, { minLength: 1, maxLength: 6 }), (parts) => {
      assert.equal(labelSelectorError(parts.join(',')), undefined, parts.join(','))
    })
  )
})
