/**
 * network-loss (statistics over 3,000 datagrams), port-blackhole (only that port) and
 * network-bandwidth (a TCP stream measured against the tbf rate), on real namespaces.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { NetworkFixture } from './helpers.js'

const fx = new NetworkFixture(['lan'], { a: ['lan'], b: ['lan'], c: ['lan'] })
const addr = (h: string) => fx.host(h).interfaces[0]!.address

/** Sends n numbered datagrams from `from` to `to`, paced so no socket buffer overflows. */
function sendDatagrams(from: string, to: string, n: number) {
  return fx.inHost(
    from,
    `const s = require('node:dgram').createSocket('udp4'); let i = 0
     const burst = () => { for (let k = 0; k < 50 && i < ${n}; k++) s.send(String(i++), 7001, '${addr(to)}')
       if (i < ${n}) setTimeout(burst, 2); else setTimeout(() => s.close(), 50) }
     burst()`
  )
}

describe('network-loss, port-blackhole, network-bandwidth', { concurrency: false }, () => {
  before(() => fx.create())
  after(async () => {
    await fx.destroy()
    assert.deepEqual(fx.leftovers(), [])
  })

  test('no loss without a fault (baseline: 3,000 of 3,000)', async () => {
    const before = (await fx.received('b')).udp
    await sendDatagrams('a', 'b', 3000)
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await fx.received('b')).udp - before, 3000)
  })

  for (const direction of ['ingress', 'egress'] as const) {
    test(`loss 20% (${direction}) lands within 4.5 sigma over 3,000 datagrams`, async () => {
      const n = 3000
      const p = 0.2
      // ingress: loss on b (the receiver); egress: loss on a (the sender), dropped at b.
      const injection = await fx.inject({
        type: 'network-loss',
        host: direction === 'ingress' ? 'b' : 'a',
        percent: p * 100,
        direction,
        duration: '1m',
      })
      const before = (await fx.received('b')).udp
      await sendDatagrams('a', 'b', n)
      await new Promise((r) => setTimeout(r, 100))
      const got = (await fx.received('b')).udp - before
      const expected = n * (1 - p)
      const sigma = Math.sqrt(n * p * (1 - p))
      console.log(
        `# loss ${direction}: received ${got}/${n} (expected ${expected} ± ${(4.5 * sigma).toFixed(0)}), lost ${(((n - got) / n) * 100).toFixed(2)}%`
      )
      assert.ok(Math.abs(got - expected) <= 4.5 * sigma, `received ${got}, expected ${expected}`)
      // c is untouched by a loss between... egress applies to all of a's peers; c → b is clean.
      const cBefore = (await fx.received('b')).udp
      await sendDatagrams('c', 'b', 500)
      await new Promise((r) => setTimeout(r, 100))
      const fromC = (await fx.received('b')).udp - cBefore
      if (direction === 'egress') {
        assert.equal(fromC, 500, 'egress loss of a does not touch c → b')
      }
      await injection.revert()
      assert.deepEqual(await fx.ordealRules(), [])
    })
  }

  test('loss with peer and port only drops that traffic', async () => {
    const injection = await fx.inject({
      type: 'network-loss',
      host: 'b',
      peer: 'a',
      port: 7001,
      protocol: 'udp',
      percent: 100,
      duration: '1m',
    })
    const before = (await fx.received('b')).udp
    await sendDatagrams('a', 'b', 200)
    await sendDatagrams('c', 'b', 200)
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await fx.received('b')).udp - before, 200, 'only c → b arrives')
    assert.ok(await fx.canConnect('a', addr('b'), 7000), 'tcp 7000 untouched')
    await injection.revert()
  })

  test('port-blackhole drops only that port', async () => {
    const injection = await fx.inject({
      type: 'port-blackhole',
      host: 'b',
      port: 7000,
      duration: '1m',
    })
    assert.equal(await fx.canConnect('a', addr('b'), 7000), false)
    assert.equal(await fx.canConnect('c', addr('b'), 7000), false)
    assert.equal(await fx.canConnect('a', addr('b'), 7002), true)
    assert.equal(await fx.canConnect('b', addr('a'), 7000), true)
    await injection.revert()
    assert.equal(await fx.canConnect('a', addr('b'), 7000), true)
    assert.deepEqual(await fx.ordealRules(), [])
  })

  test('bandwidth: a 10mbit egress limit measured within 15%', async () => {
    const injection = await fx.inject({
      type: 'network-bandwidth',
      host: 'a',
      rate: '10mbit',
      direction: 'egress',
      duration: '1m',
    })
    // Stream for 3.5 s; measure the last 3 s at the receiver (skips the initial burst).
    const stream = fx.inHost(
      'a',
      `const s = require('node:net').connect(7000, '${addr('b')}'); const chunk = Buffer.alloc(65536)
       const pump = () => { while (s.write(chunk)) {} }; s.on('connect', pump); s.on('drain', pump)
       setTimeout(() => process.exit(0), 3600)`
    )
    await new Promise((r) => setTimeout(r, 500))
    const t0 = performance.now()
    const b0 = (await fx.received('b')).bytes
    await new Promise((r) => setTimeout(r, 3000))
    const b1 = (await fx.received('b')).bytes
    const seconds = (performance.now() - t0) / 1000
    await stream
    const mbit = ((b1 - b0) * 8) / seconds / 1e6
    console.log(`# bandwidth: ${mbit.toFixed(2)} Mbit/s of TCP payload at a 10mbit tbf`)
    assert.ok(Math.abs(mbit - 10) / 10 <= 0.15, `measured ${mbit.toFixed(2)} Mbit/s`)
    await injection.revert()
    await injection.revert()
  })
})
