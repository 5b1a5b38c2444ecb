import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTemplate } from '../template.js'
import { LoadSpecError, prepareLoad } from '../prepare.js'
import type { LoadSpec } from '../contract.js'
import { RequestEncoder, headerLine } from './request-bytes.js'

const values = { seq: 7, uuid: '', now: '' }

function encoder(name: string, value: string) {
  return new RequestEncoder({
    url: compileTemplate('http://127.0.0.1:1/x'),
    method: 'GET',
    headers: [[compileTemplate(name), compileTemplate(value)]],
  })
}

test('a header value outside Latin-1 is refused, never sent as another byte', () => {
  // ✓ is U+2713: written as latin1 it would become \x13, a control byte.
  assert.throws(() => encoder('x-name', '✓ ok'), /invalid character U\+2713 in header 'x-name'/)
  assert.throws(() => headerLine('x-a', 'a\x01b'), /U\+0001/)
  assert.throws(() => headerLine('x-a', 'a\x7fb'), /U\+007F/)
  assert.throws(() => headerLine('x-a', 'a\r\nx-b: c'), /U\+000D/)
})

test('tab, visible ASCII and Latin-1 letters are sent byte for byte', () => {
  const line = headerLine('x-a', 'caf\u00e9\tv=1; "q"')
  assert.equal(Buffer.from(line, 'latin1').toString('latin1'), 'x-a: café\tv=1; "q"\r\n')
  const bytes = encoder('x-b', 'na\u00efve').encode(values).bytes
  assert.ok(bytes.includes(Buffer.from('x-b: na\xefve\r\n', 'latin1')))
})

test('a templated header renders per request: a bad value throws there (a failed op), not at start', () => {
  const e = encoder('x-seq', '{{seq}}✓')
  assert.throws(() => e.encode(values), /U\+2713/)
})

test('a static non-Latin-1 header fails the load at its start with a LoadSpecError', () => {
  const spec = {
    url: 'http://127.0.0.1:1/x',
    method: 'GET',
    headers: { 'x-name': '✓ ok' },
    rate: 10,
    startRate: 0,
    durationMs: 1000,
    maxInFlight: 10,
    timeoutMs: 1000,
    expectedStatus: '200-399',
    thresholds: [],
    workers: 1,
  } as LoadSpec
  assert.throws(
    () => prepareLoad(spec),
    (err: unknown) => err instanceof LoadSpecError && /U\+2713 in header 'x-name'/.test(err.message)
  )
})
