import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveCapture } from './resolve.js'
import { captureSchema } from './schema.js'

test('every host, a 50 MiB cap and whole packets unless the manifest says otherwise', () => {
  assert.deepEqual(resolveCapture({}, ['a', 'b']), {
    hosts: ['a', 'b'],
    maxBytes: 50 * 1024 * 1024,
    snaplen: 262144,
  })
  assert.deepEqual(
    resolveCapture({ hosts: ['b'], maxSize: '1.5Ki', filter: 'tcp', snaplen: 128 }, ['a', 'b']),
    { hosts: ['b'], maxBytes: 1536, filter: 'tcp', snaplen: 128 }
  )
})

test('the schema names what is wrong in ordeal words', () => {
  const issue = (value: unknown) =>
    captureSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  assert.deepEqual(issue({ maxSize: -1 }), ['maxSize: must be at least 1024 bytes (1Ki)'])
  assert.deepEqual(issue({ maxSize: 'lots' }), ['maxSize: must be a size like 10Mi or 1G'])
  assert.deepEqual(issue({ hosts: [] }), [
    'hosts: needs at least one host (or leave `hosts` out for every host)',
  ])
  assert.deepEqual(issue({ snaplen: 10 }), ['snaplen: must be at least 64 bytes (headers)'])
  assert.match(issue({ fliter: 'tcp' })![0]!, /fliter.*did you mean 'filter'/)
})
