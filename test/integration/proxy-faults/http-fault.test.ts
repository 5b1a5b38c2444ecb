/**
 * http-fault on a real L7 proxy: injected statuses are answered without reaching the upstream,
 * only for matching requests and for about `percent` of them; delay delays; reset resets.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { httpFaultFault } from '../../../src/faults/http-fault/index.js'
import { FaultInjectionError } from '../../../src/faults/contract.js'
import type { FaultParamsOf } from '../../../src/faults/contract.js'
import { fixture, request, type Fixture } from './helpers.js'

let f: Fixture
let port: number
before(async () => {
  f = await fixture([
    { name: 'web', kind: 'http', upstream: '{{upstream}}' },
    { name: 'db-proxy', kind: 'tcp', upstream: '{{upstream}}' },
  ])
  port = f.port('web')
})
after(() => f.close())

function inject(params: Omit<FaultParamsOf<'http-fault'>, 'type' | 'proxy' | 'duration'>) {
  return httpFaultFault.inject(
    f.harness.context({ type: 'http-fault', proxy: 'web', duration: '30s', ...params })
  )
}

describe('http-fault', () => {
  test('percent 100: matching requests get the status without forwarding; others pass', async () => {
    const injection = await inject({
      match: { method: 'GET', path: '/orders', headers: { 'X-Tenant': 'a' } },
      action: { status: 503, body: 'injected' },
    })
    const seenBefore = f.upstream.seen.length
    const hit = await request(port, { path: '/orders/1', headers: { 'x-tenant': 'a' } })
    assert.equal(hit.status, 503)
    assert.equal(hit.body, 'injected')
    assert.equal(f.upstream.seen.length, seenBefore, 'the upstream never saw it')

    for (const miss of [
      { path: '/orders/1', headers: { 'x-tenant': 'b' } },
      { path: '/orders/1', method: 'POST', headers: { 'x-tenant': 'a' } },
      { path: '/users', headers: { 'x-tenant': 'a' } },
    ]) {
      const answer = await request(port, miss)
      assert.equal(answer.status, 200, JSON.stringify(miss))
      assert.equal(answer.body, `ok ${miss.path}`)
    }
    assert.equal(f.upstream.seen.length, seenBefore + 3)
    await injection.revert()
    assert.equal(
      (await request(port, { path: '/orders/1', headers: { 'x-tenant': 'a' } })).status,
      200
    )
    assert.equal(f.harness.ledger.pending().length, 0)
  })

  test('pathRegex matches over the path', async () => {
    const injection = await inject({
      match: { pathRegex: '^/items/\\d+$' },
      action: { status: 418 },
    })
    assert.equal((await request(port, { path: '/items/42?x=1' })).status, 418)
    assert.equal((await request(port, { path: '/items/abc' })).status, 200)
    await injection.revert()
  })

  test('percent 50 over 400 requests lands between 150 and 250 errors', async () => {
    const injection = await inject({ percent: 50, action: { status: 500 } })
    let errors = 0
    for (let batch = 0; batch < 8; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => request(port)))
      errors += answers.filter((a) => a.status === 500).length
      assert.ok(answers.every((a) => a.status === 500 || a.status === 200))
    }
    await injection.revert()
    // Binomial(400, 0.5): sd 10, so ±50 is five standard deviations.
    assert.ok(errors >= 150 && errors <= 250, `${errors} of 400`)
  })

  test('delay forwards after the delay', async () => {
    const injection = await inject({ match: { path: '/slow' }, action: { delay: '300ms' } })
    const slow = await request(port, { path: '/slow' })
    const fast = await request(port, { path: '/fast' })
    await injection.revert()
    assert.equal(slow.status, 200)
    assert.equal(slow.body, 'ok /slow', 'forwarded after the delay')
    assert.ok(slow.ms >= 290, `slow ${slow.ms}ms`)
    assert.ok(fast.ms < 150, `fast ${fast.ms}ms`)
    const again = await request(port, { path: '/slow' })
    assert.ok(again.ms < 150, `after revert ${again.ms}ms`)
  })

  test('reset destroys the client connection', async () => {
    const injection = await inject({ action: { reset: true } })
    const answer = await request(port, { path: '/x' })
    await injection.revert()
    assert.equal(answer.status, undefined)
    assert.match(answer.error ?? '', /ECONNRESET|socket hang up/)
    assert.equal((await request(port, { path: '/x' })).status, 200)
  })

  test('on a tcp proxy it fails to inject', async () => {
    const ctx = f.harness.context({
      type: 'http-fault',
      proxy: 'db-proxy',
      action: { status: 503 },
      duration: '1s',
    })
    await assert.rejects(httpFaultFault.inject(ctx), FaultInjectionError)
  })
})
