import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toxicAttributes, toxicTypes } from '../../proxy/toxic-spec.js'
import { toxicAttributeIssues } from './attributes.js'

test('delay on a latency toxic is rejected with did-you-mean latency and where delay belongs', () => {
  const [issue, ...rest] = toxicAttributeIssues({ type: 'latency', attributes: { delay: 300 } })
  assert.equal(rest.length, 0)
  assert.deepEqual(issue!.path, ['attributes', 'delay'])
  assert.match(
    issue!.message,
    /unknown attribute 'delay' for a latency toxic \(did you mean 'latency'\?\)/
  )
  assert.match(
    issue!.message,
    /takes latency \(ms\), jitter \(ms\); 'delay' belongs to slow_close, slicer$/
  )
})

test('a close misspelling gets the nearest attribute', () => {
  const [issue] = toxicAttributeIssues({ type: 'slicer', attributes: { avrage_size: 10 } })
  assert.match(issue!.message, /did you mean 'average_size'/)
})

test('a toxic that would do nothing, or that the proxy would stall on, is rejected', () => {
  assert.match(toxicAttributeIssues({ type: 'latency' })[0]!.message, /does nothing/)
  assert.match(
    toxicAttributeIssues({ type: 'slow_close', attributes: { delay: 0 } })[0]!.message,
    /does nothing/
  )
  assert.match(
    toxicAttributeIssues({ type: 'bandwidth', attributes: { rate: 0 } })[0]!.message,
    /at least 1/
  )
  assert.deepEqual(toxicAttributeIssues({ type: 'latency', attributes: { jitter: 5 } }), [])
  assert.deepEqual(toxicAttributeIssues({ type: 'timeout' }), [], 'timeout 0 drops data forever')
})

test('property: exactly the attributes of the type are accepted', () => {
  const all = [...new Set(toxicTypes.flatMap((t) => toxicAttributes[t])), 'delay_ms', 'x']
  fc.assert(
    fc.property(fc.constantFrom(...toxicTypes), fc.constantFrom(...all), (type, name) => {
      const attributes = { ...validBase(type), [name]: 5 }
      const unknown = toxicAttributeIssues({ type, attributes }).filter((i) =>
        i.message.startsWith('unknown attribute')
      )
      assert.equal(unknown.length, toxicAttributes[type].includes(name) ? 0 : 1)
    })
  )
})

function validBase(type: (typeof toxicTypes)[number]): Record<string, number> {
  return type === 'bandwidth' ? { rate: 10 } : type === 'slicer' ? { average_size: 100 } : {}
}
