import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkGiven, splitUrl, starterSpec, type InitInput } from './answers.js'

test('defaults: attach to port 8080, latency, 30 s', () => {
  assert.deepEqual(starterSpec({}), {
    mode: 'attach',
    url: 'http://127.0.0.1:8080/',
    port: 8080,
    fault: 'latency',
    name: 'my-service',
    durationMs: 30_000,
  })
})

test("the port comes from --port, else the URL's, else 8080; --start launches", () => {
  assert.equal(starterSpec({ url: 'http://localhost:9000/health' }).port, 9000)
  assert.equal(starterSpec({ url: 'https://localhost/' }).port, 443)
  assert.equal(starterSpec({ url: 'http://localhost:9000/', port: '9001' }).port, 9001)
  const launch = starterSpec({ start: 'npm start', port: '0' })
  assert.equal(launch.mode, 'launch')
  assert.equal(launch.port, 0)
  assert.equal(launch.start, 'npm start')
})

test('a bad flag is one line naming the flag', () => {
  const cases: [InitInput, RegExp][] = [
    [
      { fault: 'kil' },
      /^--fault: must be 'kill' or 'latency' \(got 'kil'\) \(did you mean 'kill'\?\)$/,
    ],
    [{ port: '99999' }, /^--port: must be a port number \(1-65535\)/],
    [{ port: '0' }, /^--port: must be a port number \(1-65535\)/],
    [{ port: '8o80' }, /^--port: /],
    [{ start: 'x', port: '-1' }, /^--port: must be a port number \(0-65535; 0 picks a free one\)/],
    [{ url: 'localhost:8080' }, /^--url: must start with http:\/\/ or https:\/\//],
    [{ url: 'http://a b/' }, /^--url: must be a URL like http:\/\/127\.0\.0\.1:8080\/health/],
    [{ url: 'http://x/{{a}}' }, /^--url: must be a plain URL, without \{\{/],
    [{ name: 'My Service' }, /^--name: must be lowercase letters, digits and dashes/],
    [{ duration: '1s' }, /^--duration: must be a duration from 2s to 1h/],
    [{ duration: 'soon' }, /^--duration: /],
    [{ start: '  ' }, /^--start: must be the command that starts your service$/],
    [{ start: 'a\0b' }, /^--start: must not contain a NUL character$/],
    [{ attach: true, start: 'npm start' }, /^--attach: cannot go with --start/],
  ]
  for (const [input, message] of cases) {
    const oneLine = (e: unknown) =>
      e instanceof Error && message.test(e.message) && !e.message.includes('\n')
    assert.throws(() => checkGiven(input), oneLine, JSON.stringify(input))
    assert.throws(() => starterSpec(input), oneLine, JSON.stringify(input))
  }
})

test('splitUrl keeps the path and query as written', () => {
  assert.deepEqual(splitUrl('http://u:p@[::1]:80/a%20b?x=${Y}#f'), {
    scheme: 'http://',
    host: '[::1]',
    rest: '/a%20b?x=${Y}#f',
  })
  assert.deepEqual(splitUrl('https://example.test'), {
    scheme: 'https://',
    host: 'example.test',
    rest: '/',
  })
})
