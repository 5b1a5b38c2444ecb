/**
 * network-partition against real namespaces: TCP connects across ALL ordered host pairs (by
 * every address on a shared network) before, during and after, both ways and one way.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { NetworkFixture } from './helpers.js'

// a, b on left; c on left and right; d on right only. Reachable pairs share a network.
const fx = new NetworkFixture(['left', 'right'], {
  a: ['left'],
  b: ['left'],
  c: ['left', 'right'],
  d: ['right'],
})

/** `x>y@net` for every ordered pair and every address of y on a network x shares. */
async function matrix(): Promise<Map<string, boolean>> {
  const checks: [string, string, string][] = []
  for (const x of fx.topology.hosts) {
    for (const y of fx.topology.hosts) {
      if (x === y) {
        continue
      }
      for (const i of y.interfaces) {
        if (x.interfaces.some((xi) => xi.network === i.network)) {
          checks.push([x.name, y.name, i.address])
        }
      }
    }
  }
  const results = await Promise.all(checks.map(([x, , addr]) => fx.canConnect(x, addr)))
  return new Map(checks.map(([x, y, addr], i) => [`${x}>${y}@${addr}`, results[i]!]))
}

function expectOnly(m: Map<string, boolean>, blocked: (x: string, y: string) => boolean) {
  for (const [key, ok] of m) {
    const [x, y] = key.split('@')[0]!.split('>') as [string, string]
    assert.equal(ok, !blocked(x, y), `${key}: expected ${blocked(x, y) ? 'blocked' : 'open'}`)
  }
}

describe('network-partition', { concurrency: false }, () => {
  before(() => fx.create())
  after(async () => {
    await fx.destroy()
    assert.deepEqual(fx.leftovers(), [], 'namespaces, veths and bridges all removed')
  })

  test('hosts on a shared network reach each other; nothing else is routed', async () => {
    const m = await matrix()
    assert.equal(m.size, 8) // a-b, a-c, b-c, c-d, each both ways
    expectOnly(m, () => false)
    // a and d share no network: no route at all.
    assert.equal(await fx.canConnect('a', fx.host('d').interfaces[0]!.address), false)
  })

  test('both: exactly the cross-group pairs are blocked; heal restores all', async () => {
    const injection = await fx.inject({
      type: 'network-partition',
      between: [['a'], ['b', 'c']],
      duration: '1m',
    })
    assert.ok((await fx.ordealRules()).length > 0)
    const cross = (x: string, y: string) =>
      (x === 'a' && (y === 'b' || y === 'c')) || (y === 'a' && (x === 'b' || x === 'c'))
    expectOnly(await matrix(), cross)
    await injection.revert()
    await injection.revert() // idempotent
    assert.deepEqual(await fx.ordealRules(), [])
    expectOnly(await matrix(), () => false)
    assert.deepEqual(
      fx.ledger.pending().filter((e) => e.faultId !== 'system'),
      []
    )
  })

  test('a host on two networks is cut on both (by each of its addresses)', async () => {
    const injection = await fx.inject({
      type: 'network-partition',
      between: [['c'], ['a', 'b', 'd']],
      duration: '1m',
    })
    expectOnly(await matrix(), (x, y) => x === 'c' || y === 'c')
    await injection.revert()
    expectOnly(await matrix(), () => false)
  })

  test('one-way: the first group cannot send; datagrams from the others still arrive', async () => {
    const injection = await fx.inject({
      type: 'network-partition',
      between: [['a'], ['b']],
      direction: 'one-way',
      duration: '1m',
    })
    // TCP needs replies, so it fails both ways between a and b; every other pair is open.
    expectOnly(await matrix(), (x, y) => (x === 'a' && y === 'b') || (x === 'b' && y === 'a'))
    const send = (from: string, to: string) =>
      fx.inHost(
        from,
        `const s = require('node:dgram').createSocket('udp4'); let n = 0
         const go = () => s.send('x', 7001, '${fx.host(to).interfaces[0]!.address}', () => (++n < 20 ? go() : s.close()))
         go()`
      )
    const aBefore = (await fx.received('a')).udp
    const bBefore = (await fx.received('b')).udp
    await send('a', 'b')
    await send('b', 'a')
    await new Promise((r) => setTimeout(r, 100))
    assert.equal((await fx.received('b')).udp - bBefore, 0, 'a → b dropped')
    assert.equal((await fx.received('a')).udp - aBefore, 20, 'b → a delivered')
    await injection.revert()
    expectOnly(await matrix(), () => false)
  })
})
