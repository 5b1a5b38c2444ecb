import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { getJson } from './http-json.js'

test('credentials in a source URL go in a Basic header, never into an error line', async () => {
  const server = http.createServer((req, res) => {
    res.end(JSON.stringify({ auth: req.headers.authorization ?? null, url: req.url }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    const answer = await getJson(
      `http://me:s%40cret@127.0.0.1:${port}/q`,
      AbortSignal.timeout(5000)
    )
    assert.deepEqual(answer.body, {
      auth: `Basic ${Buffer.from('me:s@cret').toString('base64')}`,
      url: '/q',
    })
  } finally {
    server.close()
  }
  // A server that is not there: the line says why, not the password.
  const down = await getJson(`http://me:topsecret@127.0.0.1:${port}/q`, AbortSignal.timeout(5000))
    .then(() => 'answered')
    .catch((error: Error) => error.message)
  assert.doesNotMatch(down, /topsecret/)
})
