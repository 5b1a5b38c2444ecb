import { test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonPathValues, translatePath } from './jsonpath.js'

const doc = {
  items: [
    { n: 'a', ok: true, size: 3 },
    { n: 'b', ok: false, size: 7 },
    { n: 'c', ok: true, size: 9 },
  ],
  depth: 0,
}

test('plain paths are jsonpath-plus paths', () => {
  assert.deepEqual(translatePath('$.items[*].n'), { path: '$.items[*].n' })
  assert.deepEqual(jsonPathValues('$.depth', doc), [0])
  assert.deepEqual(jsonPathValues('$.items[1].n', doc), ['b'])
})

test("jsonpath2 filters over items: '=', and/or/not, strings in double quotes", () => {
  assert.deepEqual(translatePath('$.items[*][?(@.ok = true)].n'), {
    path: '$.items[?(@.ok == true)].n',
  })
  assert.deepEqual(jsonPathValues('$.items.*[?(@.ok = true and @.size > 5)].n', doc), ['c'])
  assert.deepEqual(jsonPathValues('$.items[*][?(@.n = "b" or @.size <= 3)].n', doc), ['a', 'b'])
  assert.deepEqual(jsonPathValues('$.items[*][?(@.size != 7)].size', doc), [3, 9])
})

test('a filter on the node itself is refused with a hint', () => {
  assert.match(
    translatePath('$.items[?(@.ok = true)]').error!,
    /filter items with \[\*\]\[\?\(\.\.\.\)\]/
  )
  assert.match(translatePath('items').error!, /must start with \$/)
})

test('a scalar document: only $ matches', () => {
  assert.deepEqual(jsonPathValues('$', 5), [5])
  assert.deepEqual(jsonPathValues('$.a', 'text'), [])
})
