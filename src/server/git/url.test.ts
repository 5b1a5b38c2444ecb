import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  branchError,
  normaliseFolder,
  scrubLine,
  scrubUrl,
  tokenTransportOk,
  urlKind,
  urlToken,
} from './url.js'

test('accepted repository addresses and their kinds', () => {
  assert.equal(urlKind('https://github.com/acme/chaos.git'), 'http')
  assert.equal(urlKind('http://127.0.0.1:8080/origin.git'), 'http')
  assert.equal(urlKind('ssh://git@github.com/acme/chaos.git'), 'ssh')
  assert.equal(urlKind('git@github.com:acme/chaos.git'), 'ssh')
  assert.equal(urlKind('git://127.0.0.1:9418/origin.git'), 'git')
  assert.equal(urlKind('/srv/repos/chaos.git'), 'local')
  assert.equal(urlKind('file:///srv/repos/chaos.git'), 'local')
})

test('refused: options, helper transports, other schemes, spaces', () => {
  for (const url of [
    '-uupload-pack=touch x',
    'ext::sh -c id',
    'fd::3',
    'ftp://h/r',
    'a b',
    '',
    'relative/path',
  ]) {
    const kind = urlKind(url)
    assert.equal(typeof kind, 'object', url)
    assert.match((kind as { error: string }).error, /^url: /)
  }
})

test('userinfo is removed from http addresses, the ssh user kept', () => {
  assert.equal(
    scrubUrl('https://x-access-token:tok@github.com/a/b.git'),
    'https://github.com/a/b.git'
  )
  assert.equal(scrubUrl('https://tok@github.com/a/b.git'), 'https://github.com/a/b.git')
  assert.equal(scrubUrl('ssh://git:pw@host/a.git'), 'ssh://git@host/a.git')
  assert.equal(scrubUrl('git@github.com:a/b.git'), 'git@github.com:a/b.git')
  assert.deepEqual(urlToken('https://oauth2:tok@gitlab.com/a.git'), {
    username: 'oauth2',
    password: 'tok',
  })
  assert.deepEqual(urlToken('https://tok@github.com/a.git'), { username: 'tok' })
  assert.deepEqual(urlToken('https://github.com/a.git'), {})
})

test('property: a scrubbed https address never holds the password, and scrubbing is idempotent', () => {
  const part = fc.stringMatching(/^[A-Za-z0-9_-]{4,30}$/)
  fc.assert(
    fc.property(part, part, fc.stringMatching(/^[a-z]{1,10}$/), (user, secret, repo) => {
      const url = `https://${user}:${secret}@example.test/${repo}.git`
      const scrubbed = scrubUrl(url)
      assert.equal(scrubbed, `https://example.test/${repo}.git`)
      assert.equal(scrubUrl(scrubbed), scrubbed)
      assert.ok(
        !scrubLine(`fatal: unable to access '${url}': ${secret}`, [secret]).includes(secret)
      )
    })
  )
})

test('branches and folders', () => {
  assert.equal(branchError('main'), undefined)
  assert.equal(branchError('release/2026.12'), undefined)
  for (const bad of ['-x', '../x', 'a..b', 'a b', 'x.lock', 'x/', 'a@{1}']) {
    assert.match(branchError(bad) ?? '', /^branch: /, bad)
  }
  assert.equal(normaliseFolder('.'), '')
  assert.equal(normaliseFolder('./chaos/'), 'chaos')
  assert.equal(normaliseFolder('a//b'), 'a/b')
  assert.deepEqual(normaliseFolder('../up'), {
    error: "folder: '../up' must be a relative path inside the repository",
  })
  assert.equal(typeof normaliseFolder('/abs'), 'object')
})

test('a token goes over https://, or plain http:// to loopback only', () => {
  assert.equal(tokenTransportOk('https://git.example.com/r.git'), true)
  assert.equal(tokenTransportOk('http://127.0.0.1:8080/r.git'), true)
  assert.equal(tokenTransportOk('http://localhost/r.git'), true)
  assert.equal(tokenTransportOk('http://[::1]:9/r.git'), true)
  assert.equal(tokenTransportOk('http://git.example.com/r.git'), false)
  assert.equal(tokenTransportOk('http://127.0.0.1.example.com/r.git'), false)
  assert.equal(tokenTransportOk('http://10.0.0.1/r.git'), false)
})
