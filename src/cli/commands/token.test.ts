import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { checkOptions, parseExpiry } from './token.js'

const DAY = 86_400_000

describe('ordeal token create: flags', () => {
  test('--expires-in: days, or a manifest duration; positive, at most 3650 days', () => {
    assert.equal(parseExpiry('30d'), 30 * DAY)
    assert.equal(parseExpiry('12h'), 12 * 3_600_000)
    assert.equal(parseExpiry('1h30m'), 90 * 60_000)
    assert.equal(parseExpiry('3650d'), 3650 * DAY)
    for (const bad of ['0d', '0s', '3651d', '-1d', '30', 'd', '1.5d', '', 'soon']) {
      assert.equal(parseExpiry(bad), undefined, bad)
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3650 }), (days) => {
        assert.equal(parseExpiry(`${days}d`), days * DAY)
      })
    )
  })

  test('the first problem, as the one line the command prints', () => {
    const ok = { data: '/tmp', role: 'agent', name: 'edge-1' }
    assert.deepEqual(checkOptions(ok), { dataDir: '/tmp', role: 'agent', name: 'edge-1' })
    assert.equal(
      checkOptions({ ...ok, role: 'admin' }),
      '--role must be owner, editor, viewer or agent'
    )
    // A file (the node binary: always there).
    assert.equal(
      checkOptions({ ...ok, data: process.execPath }),
      `--data '${process.execPath}' is not a directory`
    )
    assert.match(String(checkOptions({ role: 'agent', name: 'edge-1' })), /^--data DIR is required/)
    assert.equal(
      checkOptions({ ...ok, name: 'Edge_1' }),
      "--name 'Edge_1': an agent token's name is the agent's name (a-z, 0-9, '-')"
    )
    // Other roles take any display name, trimmed, but not an empty or multi-line one.
    assert.deepEqual(checkOptions({ ...ok, role: 'editor', name: ' CI deploy ' }), {
      dataDir: '/tmp',
      role: 'editor',
      name: 'CI deploy',
    })
    assert.match(String(checkOptions({ ...ok, role: 'viewer', name: '  ' })), /^--name: /)
    assert.match(String(checkOptions({ ...ok, role: 'viewer', name: 'a\nb' })), /^--name: /)
    assert.equal(
      checkOptions({ ...ok, expiresIn: 'soon' }),
      "--expires-in 'soon' must be a duration like 30d, 12h or 90m, at most 3650d"
    )
  })

  test('every agent name the protocol accepts is accepted, and nothing else', () => {
    const pattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (name) => {
        const r = checkOptions({ data: '/tmp', role: 'agent', name })
        assert.equal(typeof r !== 'string', pattern.test(name))
      })
    )
  })
})
