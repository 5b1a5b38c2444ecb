import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { escapeVariables, interpolate } from './interpolate.js'

test('--set wins over the environment, which wins over the default', () => {
  const text = 'a: ${A:-1}\nb: ${B:-2}\nc: ${C:-3}\n'
  const r = interpolate(text, 'f.yaml', { A: 'set' }, { A: 'env', B: 'env' })
  assert.equal(r.text, 'a: set\nb: env\nc: 3\n')
  assert.deepEqual(r.issues, [])
})

test('a variable without value or default is an issue on its line; comments are left alone', () => {
  const r = interpolate('# uses ${X}\nwait: ${X}\n', 'f.yaml', {}, {})
  assert.equal(r.issues.length, 1)
  assert.equal(r.issues[0]!.line, 2)
  assert.match(r.issues[0]!.message, /variable \$\{X\} is not set/)
})

test('$${ is a literal ${ and reads no variable', () => {
  const r = interpolate('cmd: echo $${HOME} ${A:-x} $$${B:-y} $${ not a var\n', 'f.yaml', {}, {})
  assert.equal(r.text, 'cmd: echo ${HOME} x $${B:-y} ${ not a var\n')
  assert.deepEqual([...r.used], ['A'])
  assert.deepEqual(r.issues, [])
})

test('escapeVariables round-trips any text through interpolate', () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.constantFrom('$', '{', '}', '${', '$${', '${A}', '${B:-x}', 'A', ':-', ' '))
        .map((parts) => parts.join('')),
      (line) => {
        const r = interpolate(escapeVariables(line), 'f.yaml', {}, { A: 'env' })
        assert.equal(r.text, line)
        assert.deepEqual(r.issues, [])
      }
    )
  )
})
