import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { SIZE_PATTERN } from '../experiment/schema-parts.js'
import { formatSize, parseSize } from './size.js'

describe('parseSize', () => {
  test('plain bytes, as a number or a string', () => {
    assert.equal(parseSize(0), 0)
    assert.equal(parseSize(4096), 4096)
    assert.equal(parseSize('4096'), 4096)
    assert.equal(parseSize('10B'), 10)
  })

  test('K, M, G (with or without B) are 1000-based', () => {
    assert.equal(parseSize('1K'), 1000)
    assert.equal(parseSize('2KB'), 2000)
    assert.equal(parseSize('3M'), 3_000_000)
    assert.equal(parseSize('1G'), 1_000_000_000)
    assert.equal(parseSize('1GB'), 1_000_000_000)
  })

  test('Ki, Mi, Gi and KiB, MiB, GiB are 1024-based', () => {
    assert.equal(parseSize('512KiB'), 512 * 1024)
    assert.equal(parseSize('1Ki'), 1024)
    assert.equal(parseSize('256Mi'), 256 * 1024 ** 2)
    assert.equal(parseSize('64MiB'), 64 * 1024 ** 2)
    assert.equal(parseSize('1Gi'), 1024 ** 3)
    assert.equal(parseSize('2GiB'), 2 * 1024 ** 3)
  })

  test('units are case-insensitive, spaces and fractions are allowed, bytes are rounded', () => {
    assert.equal(parseSize('256mi'), 256 * 1024 ** 2)
    assert.equal(parseSize('1 gib'), 1024 ** 3)
    assert.equal(parseSize('1.5Gi'), 1.5 * 1024 ** 3)
    assert.equal(parseSize('0.5K'), 500)
    assert.equal(parseSize('1.0001K'), 1000)
  })

  test('rejects what is not a size', () => {
    for (const bad of ['', 'lots', '1T', '1 Mo', '-1', '1e9', 'Mi']) {
      assert.throws(() => parseSize(bad), RangeError, bad)
    }
    assert.throws(() => parseSize(-1), RangeError)
    assert.throws(() => parseSize(Number.NaN), RangeError)
  })

  test('accepts everything the manifest schema accepts', () => {
    const pattern = new RegExp(SIZE_PATTERN, 'i')
    for (const ok of ['1', '1B', '1k', '1KB', '1Ki', '1KiB', '1M', '1MB', '1Mi', '1MiB']) {
      assert.ok(pattern.test(ok), ok)
      assert.ok(parseSize(ok) > 0, ok)
    }
  })
})

describe('formatSize', () => {
  test('binary units with one decimal', () => {
    assert.equal(formatSize(512), '512 B')
    assert.equal(formatSize(1024), '1.0 KiB')
    assert.equal(formatSize(64 * 1024 ** 2), '64.0 MiB')
    assert.equal(formatSize(1024 ** 3), '1.0 GiB')
    assert.equal(formatSize(1.5 * 1024 ** 3), '1.5 GiB')
  })
})
