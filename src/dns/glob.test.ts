import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { anyMatches, canonicalName, globMatches } from './glob.js'

test('literal patterns match the name itself, case-insensitively, with or without the root dot', () => {
  assert.ok(globMatches('db', 'db'))
  assert.ok(globMatches('DB', 'db.'))
  assert.ok(globMatches('db.shop.', 'Db.Shop'))
  assert.ok(!globMatches('db', 'db2'))
  assert.ok(!globMatches('db', 'xdb'))
  assert.ok(!globMatches('db.shop', 'db'))
})

test('* is any run of characters, dots included', () => {
  assert.ok(globMatches('*', 'anything.at.all'))
  assert.ok(globMatches('db.*', 'db.shop'))
  assert.ok(globMatches('db.*', 'db.a.b'))
  assert.ok(!globMatches('db.*', 'db'))
  assert.ok(globMatches('*.internal', 'n1.internal'))
  assert.ok(!globMatches('*.internal', 'internal'))
  assert.ok(globMatches('n*', 'n1'))
  assert.ok(globMatches('a*b*c', 'axxbyyc'))
  assert.ok(!globMatches('a*b*c', 'axxbyy'))
})

test('anyMatches: one matching pattern is enough', () => {
  assert.ok(anyMatches(['x', 'n*'], 'n2'))
  assert.ok(!anyMatches(['x', 'y'], 'n2'))
})

const label = fc.stringMatching(/^[a-z0-9-]{1,8}$/)
const dnsName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'))

test('property: a name matches itself, `*`, and any pattern made by starring a part of it', () => {
  fc.assert(
    fc.property(dnsName, fc.nat(), fc.nat(), (name, a, b) => {
      const [from, to] = [a % (name.length + 1), b % (name.length + 1)].sort((x, y) => x - y)
      const starred = `${name.slice(0, from)}*${name.slice(to!)}`
      return (
        globMatches(name, name.toUpperCase()) &&
        globMatches('*', name) &&
        globMatches(starred, name)
      )
    })
  )
})

test('property: without *, a pattern matches exactly its canonical name', () => {
  fc.assert(
    fc.property(dnsName, dnsName, (pattern, name) => {
      return globMatches(pattern, name) === (canonicalName(pattern) === canonicalName(name))
    })
  )
})
