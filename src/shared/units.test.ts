import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  formatCount,
  formatMs,
  formatOffset,
  formatPercent,
  formatRate,
  formatScore,
  formatSpan,
  sig3,
} from './units.js'

/** Significant digits of the number part of a figure ("2.04 s" → 3, "150 ms" → 2, "0.5" → 1). */
function significantDigits(figure: string): number {
  const number = /^-?[\d.]+/.exec(figure)?.[0] ?? ''
  const digits = number.replace('.', '').replace(/^0+/, '')
  // Trailing zeros of an integer part are placeholders ("150"), not significant digits.
  return number.includes('.') ? digits.length : digits.replace(/0+$/, '').length
}

describe('formatMs', () => {
  test('the figures of the issue and the unit switches', () => {
    assert.equal(formatMs(2040.831), '2.04 s')
    assert.equal(formatMs(150.4), '150 ms')
    assert.equal(formatMs(12.345), '12.3 ms')
    assert.equal(formatMs(0.5), '500 µs')
    assert.equal(formatMs(0), '0 ms')
    assert.equal(formatMs(999.4), '999 ms')
    assert.equal(formatMs(999.6), '1 s')
    assert.equal(formatMs(59_999), '1 min')
    assert.equal(formatMs(90_000), '1.5 min')
    assert.equal(formatMs(7_560_000), '2.1 h')
    assert.equal(formatMs(-1500), '-1.5 s')
    assert.equal(formatMs(2040.831, { compact: true }), '2.04s')
  })

  test('never NaN: what is not a number reads n/a', () => {
    assert.equal(formatMs(Number.NaN), 'n/a')
    assert.equal(formatMs(Number.POSITIVE_INFINITY), 'n/a')
  })

  test('property: a unit, at most 3 significant digits, never NaN, the right unit', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 999 * 3_600_000, noNaN: true }), (ms) => {
        const text = formatMs(ms)
        assert.match(text, /^[\d.]+ (µs|ms|s|min|h)$/)
        assert.ok(!text.includes('NaN'))
        assert.ok(significantDigits(text) <= 3, text)
        const [value, unit] = text.split(' ') as [string, string]
        const factor = { µs: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[unit]!
        // The figure reads back within rounding to 3 significant digits.
        assert.ok(Math.abs(Number(value) * factor - ms) <= ms * 0.005 + 1e-9, `${ms} → ${text}`)
        // And the unit is the largest one the figure is at least 1 in.
        assert.ok(Number(value) >= 1, text)
      })
    )
  })

  test('property: any double at all gives a figure or n/a', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const text = formatMs(x)
        assert.ok(!text.includes('NaN') && !text.includes('Infinity') && !text.includes('e'))
      })
    )
  })
})

describe('the other figures', () => {
  test('offsets, spans, percentages, rates, counts', () => {
    assert.equal(formatOffset(6200), '+6.2 s')
    assert.equal(formatOffset(0), '+0.0 s')
    assert.equal(formatOffset(125_340), '+2 min 5.3 s')
    assert.equal(formatSpan(6000, 9000), '+6.0 s..+9.0 s')
    assert.equal(formatSpan(6000, undefined), '+6.0 s..')
    assert.equal(formatPercent(0.12), '12%')
    assert.equal(formatPercent(0.012345), '1.23%')
    assert.equal(formatPercent(0), '0%')
    assert.equal(formatPercent(Number.NaN), 'n/a')
    assert.equal(formatRate(99.87), '99.9/s')
    assert.equal(formatCount(12000), '12 000')
    assert.equal(sig3(1234.5), '1230')
    assert.equal(sig3(-0.0001), '-0.0001')
  })

  test('property: sig3 never NaN and at most 3 significant digits', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const text = sig3(x)
        assert.ok(!text.includes('NaN'))
        assert.ok(significantDigits(text.replace('-', '')) <= 3, `${x} → ${text}`)
      })
    )
  })
})

describe('formatScore', () => {
  test('never rounds up: 62.5 stays 62.5 (the UI showed 63), 83.333 reads 83.33', () => {
    assert.equal(formatScore(62.5), '62.5')
    assert.equal(formatScore(83.33), '83.33')
    assert.equal(formatScore(83.333333), '83.33')
    assert.equal(formatScore(100), '100')
    assert.equal(formatScore(0), '0')
    assert.equal(formatScore(Number.NaN), 'n/a')
  })

  test('property: a score the engine produced (2 decimals) reads back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (hundredths) => {
        const score = hundredths / 100
        assert.equal(Number(formatScore(score)), score)
      })
    )
  })
})
