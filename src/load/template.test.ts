import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTemplate, isStatic, render, requestValues, uses } from './template.js'

test('system variables are substituted once, per-request placeholders stay', () => {
  const t = compileTemplate('http://127.0.0.1:{{ports.http}}/orders/{{seq}}?at={{ now }}', {
    ports: { http: 8080 },
  })
  assert.deepEqual(t, [
    'http://127.0.0.1:8080/orders/',
    { dynamic: 'seq' },
    '?at=',
    { dynamic: 'now' },
  ])
  assert.equal(
    render(t, { seq: 7, uuid: 'u', now: '2024-01-01T00:00:00.000Z' }),
    'http://127.0.0.1:8080/orders/7?at=2024-01-01T00:00:00.000Z'
  )
  assert.equal(uses([t], 'now'), true)
  assert.equal(uses([t], 'uuid'), false)
})

test('one uuid per request, the same in every template of that request', () => {
  const body = compileTemplate('{"ref":"{{uuid}}","n":{{seq}}}')
  const id = compileTemplate('{{uuid}}')
  const a = requestValues(1, true, false)
  const b = requestValues(2, true, false)
  assert.notEqual(a.uuid, b.uuid)
  assert.equal(render(body, a), `{"ref":"${a.uuid}","n":1}`)
  assert.equal(render(id, a), a.uuid)
  assert.match(a.uuid, /^[0-9a-f-]{36}$/)
  assert.equal(requestValues(3, false, false).uuid, '', 'no uuid made when nothing uses it')
})

test('static templates and unknown variables', () => {
  assert.equal(isStatic(compileTemplate('plain')), true)
  assert.equal(isStatic(compileTemplate('')), true)
  assert.equal(render(compileTemplate(''), { seq: 0, uuid: '', now: '' }), '')
  assert.equal(isStatic(compileTemplate('{{seq}}')), false)
  assert.throws(() => compileTemplate('{{host}}/x'), /unknown template variable \{\{host\}\}/)
})

test('a malformed placeholder is an error, not text sent as is', () => {
  assert.throws(() => compileTemplate('http://x/{{seq'), /malformed template '\{\{seq'/)
  assert.throws(() => compileTemplate('{{ a b }}'), /malformed template/)
  assert.deepEqual(compileTemplate('{"n": {{seq}}}'), ['{"n": ', { dynamic: 'seq' }, '}'])
})
