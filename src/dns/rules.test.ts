import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { DnsRule } from './rules.js'

/** A random source that returns the given draws in turn. */
const draws = (...values: number[]) => {
  let i = 0
  return () => values[i++ % values.length]!
}

test('matches by name pattern and counts what it faulted', () => {
  const rule = new DnsRule({ names: ['db.*', 'cache'], answer: 'nxdomain', probability: 1 })
  assert.deepEqual(rule.decide('db.shop', 'n1'), { answer: 'nxdomain' })
  assert.deepEqual(rule.decide('CACHE', 'n2'), { answer: 'nxdomain' })
  assert.equal(rule.decide('api', 'n1'), undefined)
  assert.equal(rule.faulted, 2)
  assert.equal(rule.summary(), 'dns-fault answered 2 queries nxdomain')
})

test('hosts: only lookups asked by those hosts', () => {
  const rule = new DnsRule({ hosts: ['n1'], names: ['*'], answer: 'servfail', probability: 1 })
  assert.deepEqual(rule.decide('db', 'n1'), { answer: 'servfail' })
  assert.equal(rule.decide('db', 'n2'), undefined)
  assert.equal(rule.decide('db', undefined), undefined)
  assert.equal(rule.summary(), 'dns-fault answered 1 query servfail')
})

test('address carries the wrong address; it is required', () => {
  const rule = new DnsRule({
    names: ['db'],
    answer: 'address',
    address: '198.18.9.9',
    probability: 1,
  })
  assert.deepEqual(rule.decide('db', 'n1'), { answer: 'address', address: '198.18.9.9' })
  assert.match(rule.summary(), /with the wrong address 198\.18\.9\.9$/)
  assert.throws(() => new DnsRule({ names: ['db'], answer: 'address', probability: 1 }))
})

test('probability: a query is faulted exactly when the draw is below it', () => {
  const rule = new DnsRule({
    names: ['db'],
    answer: 'timeout',
    probability: 0.3,
    random: draws(0.1, 0.3, 0.29, 0.9),
  })
  const out = [1, 2, 3, 4].map(() => rule.decide('db', 'n1')?.answer)
  assert.deepEqual(out, ['timeout', undefined, 'timeout', undefined])
  assert.equal(rule.faulted, 2)
})

test('property: over any draws, the count equals the draws below p', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.array(fc.double({ min: 0, max: 0.9999, noNaN: true }), { minLength: 1, maxLength: 50 }),
      (p, values) => {
        const rule = new DnsRule({
          names: ['*'],
          answer: 'nxdomain',
          probability: p,
          random: draws(...values),
        })
        values.forEach(() => rule.decide('x', 'n1'))
        return rule.faulted === values.filter((v) => v < p).length
      }
    )
  )
})

test('a name that does not match draws nothing (the chance is per matching query)', () => {
  let drawn = 0
  const rule = new DnsRule({
    names: ['db'],
    answer: 'nxdomain',
    probability: 0.5,
    random: () => (drawn++, 0),
  })
  rule.decide('api', 'n1')
  assert.equal(drawn, 0)
})
