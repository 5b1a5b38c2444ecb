import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  canonicalJson,
  experimentOf,
  imagesOf,
  reduced,
  templateHash,
  type WorkloadObject,
} from './template.js'

/** A JSON value with its object keys shuffled at every level. */
function shuffled(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => shuffled(v, random))
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, shuffled(v, random)] as const)
    entries.sort(() => random() - 0.5)
    return Object.fromEntries(entries)
  }
  return value
}

test('the hash depends on the template as data, not on key order', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
      let s = seed
      const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 + 1) % 1
      assert.equal(templateHash(shuffled(value, random)), templateHash(value))
      assert.deepEqual(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(value)))
    })
  )
})

test('two different templates hash differently', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      fc.pre(canonicalJson(a) !== canonicalJson(b))
      assert.notEqual(templateHash(a), templateHash(b))
    })
  )
})

test('images: containers then init containers, each once; missing ones skipped', () => {
  const template = {
    spec: {
      containers: [
        { name: 'app', image: 'r/app:2' },
        { name: 'side', image: 'r/envoy:1' },
        { name: 'x' },
      ],
      initContainers: [{ image: 'r/migrate:2' }, { image: 'r/app:2' }],
    },
  }
  assert.deepEqual(imagesOf(template), ['r/app:2', 'r/envoy:1', 'r/migrate:2'])
  assert.deepEqual(imagesOf(undefined), [])
  assert.deepEqual(imagesOf({ spec: { containers: 'nope' } }), [])
})

test('the annotation names an experiment, or is said to be invalid', () => {
  const at = (value?: string) =>
    experimentOf({
      metadata: value === undefined ? {} : { annotations: { 'ordeal.dev/experiment': value } },
    })
  assert.equal(at(), undefined)
  assert.deepEqual(at('orders-check'), { experiment: 'orders-check' })
  assert.deepEqual(at(' orders '), { experiment: 'orders' })
  assert.deepEqual(at('Orders Check'), { invalid: 'Orders Check' })
  assert.deepEqual(at(''), { invalid: '' })
})

test('a listed object is kept reduced: its metadata, the annotation, the hash and images only', () => {
  const template = {
    metadata: { labels: { app: 'orders' } },
    spec: {
      containers: [
        { name: 'a', image: 'r/orders:2', env: [{ name: 'X', value: 'y'.repeat(10_000) }] },
      ],
    },
  }
  const object: WorkloadObject = {
    metadata: {
      name: 'orders',
      namespace: 'shop',
      uid: 'u1',
      generation: 3,
      annotations: { 'ordeal.dev/experiment': 'orders-check', 'big/one': 'z'.repeat(10_000) },
    },
    spec: { template },
  }
  const small = reduced(object)
  assert.equal(small.spec, undefined)
  assert.deepEqual(small.digest, { hash: templateHash(template), images: ['r/orders:2'] })
  assert.deepEqual(small.metadata?.annotations, { 'ordeal.dev/experiment': 'orders-check' })
  assert.deepEqual(experimentOf(small), experimentOf(object))
  assert.ok(JSON.stringify(small).length < 500)
  assert.deepEqual(reduced(small), small)
})
