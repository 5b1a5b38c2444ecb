/** proxy-down: a tcp or http proxy of the run refuses connections for the duration only. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { proxyDownFault } from '../../../src/faults/proxy-down/index.js'
import { connects, fixture, request, type Fixture } from './helpers.js'

let f: Fixture
before(async () => {
  f = await fixture([
    { name: 'db-proxy', kind: 'tcp', upstream: '{{upstream}}' },
    { name: 'web', kind: 'http', upstream: '{{upstream}}' },
  ])
})
after(() => f.close())

describe('proxy-down', () => {
  for (const name of ['db-proxy', 'web']) {
    test(`${name}: connects fail while down, and work again on the same port after`, async () => {
      const port = f.port(name)
      assert.equal(await connects(port), true)
      const injection = await proxyDownFault.inject(
        f.harness.context({ type: 'proxy-down', proxy: name, duration: '5s' })
      )
      assert.equal(f.harness.ledger.pending().length, 1)
      assert.equal(await connects(port), false, 'refused while down')
      assert.ok((await request(port)).error, 'a request fails while down')
      await injection.revert()
      assert.equal(f.port(name), port, 'same port after')
      assert.equal(await connects(port), true)
      assert.equal((await request(port, { path: '/back' })).status, 200)
      assert.equal(f.harness.ledger.pending().length, 0)
    })
  }
})
