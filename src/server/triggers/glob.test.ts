/** The Matches glob: examples, a property against a regular-expression oracle, and its cost. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { globMatches } from './glob.js'

test('* is any run, ? one character, the rest itself, over the whole value', () => {
  assert.equal(globMatches('orders', 'orders'), true)
  assert.equal(globMatches('orders', 'orders-2'), false)
  assert.equal(globMatches('*', ''), true)
  assert.equal(globMatches('', ''), true)
  assert.equal(globMatches('', 'x'), false)
  assert.equal(globMatches('v1.*', 'v1.2.3'), true)
  assert.equal(globMatches('v1.*', 'xv1.2'), false)
  assert.equal(globMatches('*-canary', 'orders-canary'), true)
  assert.equal(globMatches('a*b*c', 'abc'), true)
  assert.equal(globMatches('a*b*c', 'acb'), false)
  assert.equal(globMatches('a*a', 'a'), false)
  assert.equal(globMatches('?', '😀'), true)
  assert.equal(globMatches('re?', 'reg'), true)
  assert.equal(globMatches('[a]', 'a'), false)
  assert.equal(globMatches('.', 'x'), false)
})

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const oracle = (pattern: string, text: string) =>
  new RegExp(
    `^${pattern
      .split('')
      .map((ch) => (ch === '*' ? '[^]*' : ch === '?' ? '[^]' : escape(ch)))
      .join('')}$`
  ).test(text)

test('property: the same answer as the equivalent anchored regular expression', () => {
  const chars = fc.constantFrom('a', 'b', '*', '?', '.')
  fc.assert(
    fc.property(
      fc.array(chars, { maxLength: 8 }).map((a) => a.join('')),
      fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 12 }).map((a) => a.join('')),
      (pattern, text) => globMatches(pattern, text) === oracle(pattern, text)
    ),
    { numRuns: 5000 }
  )
})

test('no pattern can stall: the worst cases take milliseconds on 4096 characters', () => {
  const text = `${'a'.repeat(4095)}b`
  const patterns = ['*a*a*a*a*a*a*a*a*a*a*c', `${'*a'.repeat(100)}*c`, `${'?'.repeat(200)}*c`]
  for (const pattern of patterns) {
    const t0 = performance.now()
    assert.equal(globMatches(pattern, text), false)
    assert.ok(performance.now() - t0 < 500, pattern)
  }
})
