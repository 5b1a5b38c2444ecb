import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { urlProblem } from './url-semantics.js'

test('URLs with templates for host, port and path are accepted', () => {
  for (const url of [
    'http://127.0.0.1:{{proxies.front.port}}/',
    'http://{{hosts.a.address}}:2379/v3/kv',
    'https://{{proxies.front.address}}/{{seq}}?id={{uuid}}',
    'http://localhost:8080',
  ]) {
    assert.equal(urlProblem(url), undefined, url)
  }
})

test('a URL without a scheme, or with another scheme, is named', () => {
  assert.match(urlProblem('localhost:8080/x')!, /has no scheme: write http:\/\/localhost:8080\/x/)
  assert.match(urlProblem('ftp://x/')!, /must start with http:\/\/ or https:\/\//)
  assert.match(urlProblem('http://')!, /is not a URL/)
})

test('property: any http URL over loopback with a templated port is accepted', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z0-9/_-]{0,20}$/),
      fc.constantFrom('http', 'https'),
      (p, s) => {
        assert.equal(urlProblem(`${s}://127.0.0.1:{{services.api.ports.http}}/${p}`), undefined)
      }
    )
  )
})
