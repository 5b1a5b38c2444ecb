import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { formatDuration } from './duration.js'
import {
  formatTiming,
  MAX_TIMING_MS,
  nextWait,
  parseTiming,
  TIMING_PATTERN,
  type TimingParse,
} from './timing-range.js'

const range = (p: TimingParse) => (p.ok ? p.range : assert.fail(`not ok: ${p.message}`))
const message = (p: TimingParse) => (p.ok ? assert.fail('parsed') : p.message)

/** Whole milliseconds, written back in the manifest's own syntax without rounding. */
const exactText = (ms: number) => `${ms}ms`

describe('parseTiming', () => {
  test('the three forms', () => {
    assert.deepEqual(range(parseTiming('5s')), { minMs: 5000, maxMs: 5000 })
    assert.deepEqual(range(parseTiming('5s..15s')), { minMs: 5000, maxMs: 15_000 })
    assert.deepEqual(range(parseTiming('300ms..1s')), { minMs: 300, maxMs: 1000 })
    assert.deepEqual(range(parseTiming('10s±2s')), { minMs: 8000, maxMs: 12_000 })
    assert.deepEqual(range(parseTiming('10s+-2s')), { minMs: 8000, maxMs: 12_000 })
    assert.deepEqual(range(parseTiming('5s..5s')), { minMs: 5000, maxMs: 5000 })
  })

  test('any ordered pair of durations is a range with those ends', () => {
    fc.assert(
      fc.property(fc.nat(MAX_TIMING_MS), fc.nat(MAX_TIMING_MS), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a]
        const parsed = range(parseTiming(`${exactText(low)}..${exactText(high)}`))
        assert.deepEqual(parsed, { minMs: low, maxMs: high })
        // And the JSON Schema's pattern agrees with the parser.
        assert.match(`${exactText(low)}..${exactText(high)}`, new RegExp(TIMING_PATTERN))
      })
    )
  })

  test('a reversed range is refused, naming both ends', () => {
    assert.equal(
      message(parseTiming('15s..5s')),
      "range '15s..5s' must go from low to high (15s is more than 5s)"
    )
    fc.assert(
      fc.property(fc.nat(MAX_TIMING_MS), fc.nat(MAX_TIMING_MS), (a, b) => {
        fc.pre(a !== b)
        const [low, high] = a < b ? [a, b] : [b, a]
        assert.match(
          message(parseTiming(`${exactText(high)}..${exactText(low)}`)),
          /must go from low to high/
        )
      })
    )
  })

  test('an end that is not a duration is named', () => {
    assert.equal(
      message(parseTiming('5s..x')),
      "'x' is not a duration like 5s, in the range '5s..x'"
    )
    assert.equal(message(parseTiming('..5s')), "'' is not a duration like 5s, in the range '..5s'")
    assert.equal(
      message(parseTiming('10s±two')),
      "'two' is not a duration like 5s, in the jitter '10s±two'"
    )
    assert.match(message(parseTiming('soon')), /must be a duration like 5s, a range like 5s\.\.15s/)
  })

  test('caps: at most 24h; an interval above 0s; jitter within its duration', () => {
    assert.match(message(parseTiming('1h..25h')), /must be at most 24h/)
    assert.ok(parseTiming('0s..24h').ok)
    assert.equal(message(parseTiming('0s', { positive: true })), 'must be longer than 0s')
    assert.match(
      message(parseTiming('0s..2s', { positive: true })),
      /longer than 0s at its low end/
    )
    assert.ok(parseTiming('0s..2s').ok, 'after may start at once')
    assert.match(message(parseTiming('1s±2s')), /must not be more than the duration it varies/)
    assert.match(message(parseTiming('2s±2s', { positive: true })), /longer than 0s/)
  })

  test('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseTiming(text)
        if (parsed.ok) {
          assert.ok(parsed.range.minMs <= parsed.range.maxMs)
          assert.ok(parsed.range.maxMs <= MAX_TIMING_MS)
        } else {
          assert.ok(!parsed.message.includes('\n'), 'one line')
        }
      })
    )
  })
})

test('formatTiming writes a range back as it reads', () => {
  assert.equal(formatTiming({ minMs: 300, maxMs: 900 }), '300ms..900ms')
  assert.equal(formatTiming({ minMs: 5000, maxMs: 5000 }), formatDuration(5000))
})

test('nextWait: a fixed interval as written, a range through the draw or uniformly within', () => {
  assert.equal(
    nextWait({ minMs: 700, maxMs: 700 }, () => assert.fail('no draw')),
    700
  )
  assert.equal(
    nextWait({ minMs: 1, maxMs: 9 }, () => 4),
    4
  )
  fc.assert(
    fc.property(fc.nat(10_000), fc.nat(10_000), (a, b) => {
      const [minMs, maxMs] = a <= b ? [a, b] : [b, a]
      const ms = nextWait({ minMs, maxMs })
      assert.ok(Number.isInteger(ms) && ms >= minMs && ms <= maxMs)
    })
  )
})
