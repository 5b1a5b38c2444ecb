import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { compare, describeComparator } from './comparator.js'
import type { ComparatorInput } from '../experiment/schema-parts.js'

const int = (criteria: string, value: ComparatorInput['value']): ComparatorInput => ({
  type: 'int',
  criteria,
  value,
})
const float = (criteria: string, value: ComparatorInput['value']): ComparatorInput => ({
  type: 'float',
  criteria,
  value,
})
const str = (criteria: string, value: ComparatorInput['value']): ComparatorInput => ({
  type: 'string',
  criteria,
  value,
})

describe('compare: int', () => {
  const cases: [string, ComparatorInput['value'], string | number, boolean][] = [
    ['>=', 10, 10, true],
    ['>=', 10, '9', false],
    ['<=', '10', ' 10 ', true],
    ['<=', 10, 11, false],
    ['>', 10, 11, true],
    ['>', 10, 10, false],
    ['<', -1, '-2', true],
    ['<', 0, 0, false],
    ['==', 200, '200', true],
    ['==', 200, '+200', true],
    ['==', 200, 201, false],
    ['!=', 200, 500, true],
    ['!=', 200, 200, false],
    ['oneOf', [200, '204'], 204, true],
    ['oneOf', [200, 204], '500', false],
    ['between', [1, 5], 1, true],
    ['between', [1, 5], 5, true],
    ['between', [1, 5], 6, false],
  ]
  for (const [criteria, value, actual, passed] of cases) {
    it(`${JSON.stringify(actual)} ${criteria} ${JSON.stringify(value)} is ${passed}`, () => {
      assert.equal(compare(int(criteria, value), actual).passed, passed)
    })
  }

  it('rejects actual values that are not strictly integers', () => {
    for (const actual of ['12abc', '1.5', '', 'abc', '0x10', '1e3', 1.5]) {
      const result = compare(int('>=', 0), actual)
      assert.equal(result.passed, false, `${actual} should not parse`)
      assert.match(result.message, /is not an int, expected >= 0/)
    }
  })

  it('fails with a message when the comparator value is not an int', () => {
    const result = compare(int('==', '7x'), 7)
    assert.equal(result.passed, false)
    assert.match(result.message, /comparator value "7x" is not an int/)
  })

  it('says what was observed and expected', () => {
    assert.equal(compare(int('>=', 10), 12).message, '12 >= 10')
    assert.equal(compare(int('>=', 10), 3).message, '3, expected >= 10')
    assert.equal(compare(int('between', [1, 5]), 9).message, '9, expected between [1, 5]')
  })
})

describe('compare: float', () => {
  it('compares decimals, exponents and integers', () => {
    assert.equal(compare(float('>', 0.5), '0.75').passed, true)
    assert.equal(compare(float('<=', '1e-3'), '0.001').passed, true)
    assert.equal(compare(float('==', 1), '1.0').passed, true)
    assert.equal(compare(float('between', [0.1, 0.2]), 0.15).passed, true)
    assert.equal(compare(float('oneOf', [0.5, 1.5]), '1.5').passed, true)
    assert.equal(compare(float('!=', 2), 2).passed, false)
  })

  it('understands the special values Prometheus prints', () => {
    assert.equal(compare(float('>', 1e300), '+Inf').passed, true)
    assert.equal(compare(float('<', -1e300), '-Inf').passed, true)
    assert.equal(compare(float('==', 0), 'NaN').passed, false)
  })

  it('rejects non-numeric text', () => {
    for (const actual of ['1.2.3', '12abc', 'one', '']) {
      const result = compare(float('>=', 0), actual)
      assert.equal(result.passed, false)
      assert.match(result.message, /is not a float/)
    }
  })
})

describe('compare: string', () => {
  it('supports every criteria in camelCase and capitalised form', () => {
    const cases: [string, ComparatorInput['value'], string, boolean][] = [
      ['equal', 'ok', 'ok', true],
      ['Equal', 'ok', 'OK', false],
      ['notEqual', 'ok', 'down', true],
      ['NotEqual', 'ok', 'ok', false],
      ['contains', 'ready', 'all ready now', true],
      ['Contains', 'ready', 'starting', false],
      ['matches', '^v\\d+\\.\\d+$', 'v2.10', true],
      ['Matches', '^v\\d+$', 'v2.10', false],
      ['notMatches', 'error', 'fine', true],
      ['NotMatches', 'error', 'an error', false],
      ['oneOf', ['green', 'yellow'], 'yellow', true],
      ['OneOf', ['green', 'yellow'], 'red', false],
    ]
    for (const [criteria, value, actual, passed] of cases) {
      assert.equal(compare(str(criteria, value), actual).passed, passed, `${criteria} ${actual}`)
    }
  })

  it('compares numbers as their text', () => {
    assert.equal(compare(str('equal', '42'), 42).passed, true)
  })

  it('fails with a message on an invalid regular expression', () => {
    const result = compare(str('matches', '(['), 'x')
    assert.equal(result.passed, false)
    assert.match(result.message, /invalid regular expression/)
  })

  it('fails on an unknown criteria instead of throwing', () => {
    assert.equal(compare(str('startsWith', 'a'), 'abc').passed, false)
    assert.equal(compare(int('~=', 1), 1).passed, false)
  })
})

describe('describeComparator', () => {
  it('quotes strings and lists values', () => {
    assert.equal(describeComparator(str('contains', 'ok')), 'contains "ok"')
    assert.equal(describeComparator(int('oneOf', [1, 2])), 'oneOf [1, 2]')
  })
})
