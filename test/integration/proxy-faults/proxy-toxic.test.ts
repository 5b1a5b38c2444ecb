/**
 * proxy-toxic through a real tcp proxy of the run: the toxic's latency shows in measured round
 * trips while injected and is gone after revert; the ledger entry comes first.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { proxyToxicFault } from '../../../src/faults/proxy-toxic/index.js'
import { FaultInjectionError, type FaultParamsOf } from '../../../src/faults/contract.js'
import { fixture, request, type Fixture } from './helpers.js'

let f: Fixture
before(async () => {
  f = await fixture([
    { name: 'db-proxy', kind: 'tcp', upstream: '{{upstream}}' },
    { name: 'web', kind: 'http', upstream: '{{upstream}}' },
  ])
})
after(() => f.close())

describe('proxy-toxic', () => {
  test('latency is added while injected and gone after revert', async () => {
    const port = f.port('db-proxy')
    const baseline = await request(port, { path: '/before' })
    assert.equal(baseline.status, 200)
    assert.ok(baseline.ms < 150, `baseline ${baseline.ms}ms`)

    const ctx = f.harness.context({
      type: 'proxy-toxic',
      proxy: 'db-proxy',
      toxic: { type: 'latency', attributes: { latency: 300, jitter: 0 } },
      duration: '10s',
    })
    const injection = await proxyToxicFault.inject(ctx)
    assert.deepEqual(injection.targets, ['proxy db-proxy'])
    const pending = f.harness.ledger.pending()
    assert.equal(pending.length, 1, 'one ledger entry, recorded before acting')
    assert.equal(pending[0]!.undo.kind, 'none')
    const during = await request(port, { path: '/during' })
    assert.equal(during.status, 200)
    assert.ok(during.ms >= 290, `during ${during.ms}ms`)

    await injection.revert()
    await injection.revert() // idempotent
    assert.equal(f.harness.ledger.pending().length, 0)
    const afterwards = await request(port, { path: '/after' })
    assert.equal(afterwards.status, 200)
    assert.ok(afterwards.ms < 150, `after ${afterwards.ms}ms`)
  })

  test('an unknown proxy, a proxy of the wrong kind, or a bad toxic fail to inject', async () => {
    for (const [proxy, type, attributes, pattern] of [
      ['nope', 'latency', {}, /no proxy named 'nope'/],
      ['web', 'latency', {}, /needs a proxy of kind tcp/],
      ['db-proxy', 'bandwidth', { rate: 0 }, /rate must be at least 1/],
    ] as const) {
      const ctx = f.harness.context<FaultParamsOf<'proxy-toxic'>>({
        type: 'proxy-toxic',
        proxy,
        toxic: { type, attributes },
        duration: '1s',
      })
      await assert.rejects(proxyToxicFault.inject(ctx), (error: unknown) => {
        assert.ok(error instanceof FaultInjectionError)
        assert.match(error.message, pattern)
        return true
      })
    }
    assert.equal(
      f.harness.ledger.pending().length,
      0,
      'nothing recorded for a fault that never acted'
    )
  })
})
