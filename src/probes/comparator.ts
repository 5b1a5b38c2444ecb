/**
 * Litmus comparators (`pkg/probe/comparator` in litmus-go): int and float compare numbers with
 * `>= <= > < == != oneOf between`; string compares text with `equal notEqual contains matches
 * notMatches oneOf` (capitalised forms accepted). A value that does not parse is a failed
 * comparison with a message, never a throw: probes report it as an outcome.
 * @module
 */
import type { ComparatorInput } from '../experiment/schema-parts.js'

export interface Comparison {
  passed: boolean
  message: string
}

type Scalar = string | number

export function compare(comparator: ComparatorInput, actual: Scalar): Comparison {
  return comparator.type === 'string'
    ? compareStrings(comparator, String(actual))
    : compareNumbers(comparator, actual)
}

/** Human form of the expectation, e.g. `>= 10`, `between [1, 5]`, `contains "ok"`. */
export function describeComparator(comparator: ComparatorInput): string {
  const { criteria, value } = comparator
  const shown = (v: Scalar) =>
    comparator.type === 'string' ? JSON.stringify(String(v)) : String(v)
  return Array.isArray(value)
    ? `${criteria} [${value.map(shown).join(', ')}]`
    : `${criteria} ${shown(value)}`
}

function compareNumbers(comparator: ComparatorInput, actualRaw: Scalar): Comparison {
  const parse = comparator.type === 'int' ? parseIntStrict : parseFloatStrict
  const expectation = describeComparator(comparator)
  const actual = parse(actualRaw)
  if (actual === undefined) {
    return fail(`${quote(actualRaw)} is not ${article(comparator.type)}, expected ${expectation}`)
  }
  const values = Array.isArray(comparator.value) ? comparator.value : [comparator.value]
  const expected: number[] = []
  for (const v of values) {
    const n = parse(v)
    if (n === undefined) {
      return fail(`comparator value ${quote(v)} is not ${article(comparator.type)}`)
    }
    expected.push(n)
  }
  const [first = NaN, second = NaN] = expected
  let passed: boolean
  switch (comparator.criteria) {
    case '>=':
      passed = actual >= first
      break
    case '<=':
      passed = actual <= first
      break
    case '>':
      passed = actual > first
      break
    case '<':
      passed = actual < first
      break
    case '==':
      passed = actual === first
      break
    case '!=':
      passed = actual !== first
      break
    case 'oneOf':
      passed = expected.includes(actual)
      break
    case 'between':
      // Inclusive at both ends, as litmus-go does.
      if (expected.length !== 2) {
        return fail(`between needs [low, high], got ${expected.length} values`)
      }
      passed = actual >= first && actual <= second
      break
    default:
      return fail(`unknown ${comparator.type} criteria '${comparator.criteria}'`)
  }
  return { passed, message: `${actual}${passed ? '' : ', expected'} ${expectation}` }
}

function compareStrings(comparator: ComparatorInput, actual: string): Comparison {
  // Litmus accepts `Equal`, `NotMatches`, ... as well as the camelCase forms.
  const criteria = comparator.criteria.charAt(0).toLowerCase() + comparator.criteria.slice(1)
  const expectation = describeComparator(comparator)
  const value = comparator.value
  const single = Array.isArray(value) ? undefined : String(value)
  let passed: boolean
  switch (criteria) {
    case 'equal':
      passed = actual === single
      break
    case 'notEqual':
      passed = actual !== single
      break
    case 'contains':
      passed = single !== undefined && actual.includes(single)
      break
    case 'matches':
    case 'notMatches': {
      const regex = compileRegex(single ?? '')
      if (typeof regex === 'string') {
        return fail(regex)
      }
      passed = regex.test(actual) === (criteria === 'matches')
      break
    }
    case 'oneOf':
      passed = Array.isArray(value) && value.map(String).includes(actual)
      break
    default:
      return fail(`unknown string criteria '${comparator.criteria}'`)
  }
  return { passed, message: `${quote(actual)}${passed ? '' : ', expected'} ${expectation}` }
}

const kInt = /^[+-]?\d+$/
// Decimal or exponent forms, plus the specials Prometheus and Go's ParseFloat print.
const kFloat = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i
const kFloatSpecial = /^([+-]?inf(inity)?|nan)$/i

function parseIntStrict(value: Scalar): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? value : undefined
  }
  const text = value.trim()
  if (!kInt.test(text)) {
    return undefined
  }
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

function parseFloatStrict(value: Scalar): number | undefined {
  if (typeof value === 'number') {
    return value
  }
  const text = value.trim()
  if (kFloat.test(text)) {
    return Number(text)
  }
  if (kFloatSpecial.test(text)) {
    const lower = text.toLowerCase()
    return lower === 'nan' ? NaN : lower.startsWith('-') ? -Infinity : Infinity
  }
  return undefined
}

function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source)
  } catch (err) {
    return `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`
  }
}

function fail(message: string): Comparison {
  return { passed: false, message }
}

function quote(value: Scalar): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function article(type: string): string {
  return type === 'int' ? 'an int' : `a ${type}`
}
