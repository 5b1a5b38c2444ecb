import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CtkCrash, pyEquals, withinTolerance } from './tolerance.js'
import type { CtkActivity, CtkValues } from './model.js'

const none: CtkValues = { configuration: {}, secrets: {} }
const noProbe = (): Promise<unknown> => Promise.reject(new Error('no probe expected'))
const within = (t: unknown, v: unknown, values = none): Promise<boolean> =>
  withinTolerance(t, v, values, noProbe)

test('bool, integer and string tolerances use Python equality; integers read an output status', async () => {
  assert.equal(await within(true, 1), true) // 1 == True in Python
  assert.equal(await within(false, 0), true)
  assert.equal(await within(true, { status: 0 }), false) // an object never equals a bool
  assert.equal(await within(0, { status: 0, stdout: '' }), true)
  assert.equal(await within(200, { status: 503 }), false)
  assert.equal(await within(3, 3), true)
  assert.equal(await within('ok', 'ok'), true)
  assert.equal(await within('ok', { status: 0 }), false)
})

test('a list is membership for a status, a range for a two-item scalar, membership otherwise', async () => {
  assert.equal(await within([200, 503], { status: 404 }), false) // membership, not 200..503
  assert.equal(await within([200, 503], { status: 503 }), true)
  assert.equal(await within([1, 10], 5), true) // two items: inclusive range
  assert.equal(await within([1, 10], 10), true)
  assert.equal(await within([1, 10], 11), false)
  assert.equal(await within([1, 5, 10], 5), true)
  assert.equal(await within([1, 5, 10], 6), false)
  await assert.rejects(within([1, 10], 'x'), CtkCrash) // Python cannot order int and str
})

test('regex: unanchored search of a target; Python named groups are translated', async () => {
  const out = { status: 0, stdout: 'state=RUNNING pid=4', stderr: '' }
  assert.equal(await within({ type: 'regex', pattern: 'RUNNING', target: 'stdout' }, out), true)
  assert.equal(await within({ type: 'regex', pattern: '^RUNNING', target: 'stdout' }, out), false)
  assert.equal(
    await within({ type: 'regex', pattern: 'pid=(?P<pid>\\d+)\\Z', target: 'stdout' }, out),
    true
  )
  await assert.rejects(within({ type: 'regex', pattern: 'x' }, out), CtkCrash)
})

test('jsonpath: matches, count and expect (scalar or ordered list); a JSON string body is parsed', async () => {
  const out = {
    status: 200,
    body: JSON.stringify({
      depth: 0,
      items: [
        { n: 'a', ok: true },
        { n: 'b', ok: false },
      ],
    }),
  }
  const jp = (t: Record<string, unknown>): Promise<boolean> =>
    within({ type: 'jsonpath', target: 'body', ...t }, out)
  assert.equal(await jp({ path: '$.depth', expect: 0 }), true)
  assert.equal(await jp({ path: '$.depth', expect: 1 }), false)
  assert.equal(await jp({ path: '$.items[*].n', expect: ['a', 'b'] }), true)
  assert.equal(await jp({ path: '$.items[*].n', expect: ['b', 'a'] }), false)
  assert.equal(await jp({ path: '$.items[*].n', count: 2 }), true)
  assert.equal(await jp({ path: '$.missing' }), false)
  assert.equal(await jp({ path: '$.items[*][?(@.ok = true)].n', expect: 'a' }), true)
})

test('range: numbers, numeric strings and bools by value; a word is out of range', async () => {
  const r = (v: unknown): Promise<boolean> => within({ type: 'range', range: [1, 2.5] }, v)
  assert.equal(await r(2.5), true)
  assert.equal(await r(' 2 '), true)
  assert.equal(await r(true), true)
  assert.equal(await r(3), false)
  assert.equal(await r('two'), false)
  assert.equal(
    await within({ type: 'range', range: [0, 0], target: 'status' }, { status: 0 }),
    true
  )
  await assert.rejects(r(null), CtkCrash)
})

test('a probe tolerance receives the value in arguments.value; only its failure is a miss', async () => {
  const tolerance = {
    type: 'probe',
    name: 'check',
    provider: { type: 'process', path: 'true', arguments: {} },
  } as unknown as CtkActivity
  let seen: unknown
  const ok = await withinTolerance(tolerance, 42, none, (a) => {
    seen = (a.provider['arguments'] as Record<string, unknown>)['value']
    return Promise.resolve({ status: 1 })
  })
  assert.equal(ok, true) // a non-empty output is truthy, whatever its status
  assert.equal(seen, 42)
  const failed = await withinTolerance(tolerance, 42, none, () => {
    const e = new Error('took too long')
    e.name = 'ActivityFailed'
    return Promise.reject(e)
  })
  assert.equal(failed, false)
})

test('pyEquals is symmetric and agrees with JSON equality on bool-free values', () => {
  const json = fc.jsonValue().filter((v) => !JSON.stringify(v).match(/true|false|-0/))
  fc.assert(
    fc.property(json, json, (a, b) => {
      assert.equal(pyEquals(a, b), pyEquals(b, a))
      assert.equal(pyEquals(a, a), true)
      if (JSON.stringify(a) === JSON.stringify(b)) {
        assert.equal(pyEquals(a, b), true)
      }
    })
  )
})
