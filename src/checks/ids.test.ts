import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { IdTable } from './ids.js'

describe('IdTable', () => {
  it('gives each distinct id one dense index in order of first sight, and its name back', () => {
    fc.assert(
      fc.property(
        // Full unicode (surrogate pairs, lone surrogates), empty and long ids, many repeats.
        fc.array(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('a', 'b', '')),
          {
            maxLength: 3000,
          }
        ),
        (values) => {
          const ids = new IdTable()
          const expected = new Map<string, number>()
          for (const value of values) {
            if (!expected.has(value)) {
              expected.set(value, expected.size)
            }
            assert.equal(ids.intern(value), expected.get(value))
          }
          assert.equal(ids.size, expected.size)
          for (const [value, i] of expected) {
            assert.equal(ids.find(value), i)
            assert.equal(ids.nameOf(i), value)
            assert.ok(ids.is(i, value))
          }
          assert.equal(ids.find('\u0000never'), -1)
        }
      ),
      { numRuns: 200 }
    )
  })

  it('keeps finding every id across many table growths', () => {
    const ids = new IdTable()
    for (let i = 0; i < 200_000; i++) {
      ids.intern(`order-${i}`)
    }
    assert.equal(ids.size, 200_000)
    for (let i = 0; i < 200_000; i += 997) {
      assert.equal(ids.find(`order-${i}`), i)
    }
    assert.equal(ids.nameOf(199_999), 'order-199999')
    // An id longer than one String.fromCharCode slice.
    const long = 'x'.repeat(10_000)
    assert.equal(ids.nameOf(ids.intern(long)), long)
  })
})
