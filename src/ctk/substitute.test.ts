import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { pythonStr, substitute } from './substitute.js'

const values = {
  configuration: { host: '127.0.0.1', port: 8080, on: true, obj: { a: 1 } },
  secrets: { auth: { token: 's3cret', host: 'ignored' } },
}

test('configuration first, then secret keys; exact ${name} keeps the type', () => {
  assert.equal(substitute('http://${host}:${port}/', values), 'http://127.0.0.1:8080/')
  assert.equal(substitute('${port}', values), 8080)
  assert.deepEqual(substitute('${obj}', values), { a: 1 })
  assert.equal(substitute('flag=$on', values), 'flag=True')
  assert.equal(substitute('Bearer ${token}', values), 'Bearer s3cret')
  assert.deepEqual(substitute({ u: ['${host}', 3, null] }, values), { u: ['127.0.0.1', 3, null] })
})

test('unknown and invalid forms stay as written; $$ is a dollar', () => {
  assert.equal(substitute('${nope} $1 ${some-key} $$host', values), '${nope} $1 ${some-key} $host')
  assert.equal(substitute('$HOME', values), '$HOME')
})

test('a string without $ is returned unchanged', () => {
  fc.assert(
    fc.property(
      fc.string().filter((s) => !s.includes('$')),
      (s) => {
        assert.equal(substitute(s, values), s)
      }
    )
  )
})

test('pythonStr prints like Python str()', () => {
  assert.equal(pythonStr(false), 'False')
  assert.equal(pythonStr(null), 'None')
  assert.equal(pythonStr(['a', 1]), "['a', 1]")
})
