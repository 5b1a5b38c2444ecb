import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { faketimeLine, parseOffset, skewAt } from './offset.js'

test('offsets are signed durations', () => {
  assert.equal(parseOffset('-90s'), -90_000)
  assert.equal(parseOffset('+2h'), 7_200_000)
  assert.equal(parseOffset('1m30s'), 90_000)
  assert.equal(parseOffset('-1.5s'), -1500)
  assert.equal(parseOffset('90'), undefined)
  assert.equal(parseOffset('--1s'), undefined)
})

test('a still clock is an offset in seconds, with rate x1 (libfaketime keeps a rate it read)', () => {
  assert.equal(faketimeLine(0, undefined, 0, 0), '+0 x1')
  assert.equal(faketimeLine(-90_000, undefined, 5, 1), '-90 x1')
  assert.equal(faketimeLine(1500, 1, 5, 1), '+1.5 x1')
})

test('a drift cancels what libfaketime adds for the time before the injection', () => {
  // Process started 10 s before the injection, rate 1.5: libfaketime would add 5 s at once.
  assert.equal(faketimeLine(0, 1.5, 20_000, 10_000), '-5 x1.5')
})

test('what the service reads at injection is the skew, whatever the drift and age (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -86_400_000, max: 86_400_000 }),
      fc.double({ min: 0.1, max: 10, noNaN: true }).map((r) => Math.round(r * 100) / 100),
      fc.integer({ min: 0, max: 10_000_000 }),
      (skew, rate, age) => {
        const start = 1_700_000_000_000
        const injected = start + age
        const line = faketimeLine(skew, rate, injected, start)
        const offsetS = Number(line.split(' ')[0])
        // libfaketime: fake = real + offset + (real - start) × (rate - 1), at real = injected.
        const fake = injected + offsetS * 1000 + (rate === 1 ? 0 : age * (rate - 1))
        assert.ok(Math.abs(fake - (injected + skew)) <= 1, `${line}: ${fake - injected} vs ${skew}`)
      }
    )
  )
})

test('jumps add up as the window goes on', () => {
  const jumps = [
    { atMs: 1000, byMs: 60_000 },
    { atMs: 3000, byMs: -120_000 },
  ]
  assert.equal(skewAt(-5000, jumps, 0), -5000)
  assert.equal(skewAt(-5000, jumps, 1000), 55_000)
  assert.equal(skewAt(-5000, jumps, 5000), -65_000)
})
