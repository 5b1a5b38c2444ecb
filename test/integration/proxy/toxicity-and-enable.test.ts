import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import type { ProxyServer } from '../../../src/proxy/server.js'
import {
  addToxic,
  api,
  connect,
  createProxy,
  startApi,
  startUpstream,
  type Client,
  type Upstream,
} from './helpers.js'

/** Opens `count` connections one after another; counts those a limit_data{bytes:0} toxic hit. */
async function countHit(port: number, count: number): Promise<number> {
  let hit = 0
  for (let i = 0; i < count; i++) {
    const client = await connect(port)
    client.socket.write('ping')
    const outcome = await Promise.race([
      client.waitFor(4).then(() => 'echoed'),
      client.closed.then(() => 'closed'),
    ])
    hit += outcome === 'closed' ? 1 : 0
    client.socket.destroy()
  }
  return hit
}

describe('toxicity, live updates and enable/disable', () => {
  let server: ProxyServer
  let upstream: Upstream
  const clients: Client[] = []
  before(async () => {
    server = await startApi(7n)
    upstream = await startUpstream()
  })
  afterEach(() => clients.splice(0).forEach((c) => c.socket.destroy()))
  after(async () => {
    await server.close()
    await upstream.close()
  })

  test('toxicity 0 never applies, 1 always applies', async () => {
    const port = await createProxy(server, 'never', upstream.address)
    await addToxic(server, 'never', { type: 'limit_data', toxicity: 0, attributes: { bytes: 0 } })
    assert.equal(await countHit(port, 20), 0)
    const port1 = await createProxy(server, 'always', upstream.address)
    await addToxic(server, 'always', { type: 'limit_data', toxicity: 1, attributes: { bytes: 0 } })
    assert.equal(await countHit(port1, 20), 20)
  })

  test('toxicity 0.5 hits about half of 200 connections, the same ones for the same seed', async () => {
    const counts: number[] = []
    for (const _ of [1, 2]) {
      const own = await startApi(1234n)
      try {
        const port = await createProxy(own, 'half', upstream.address)
        await addToxic(own, 'half', { type: 'limit_data', toxicity: 0.5, attributes: { bytes: 0 } })
        counts.push(await countHit(port, 200))
      } finally {
        await own.close()
      }
    }
    assert.ok(counts[0]! >= 75 && counts[0]! <= 125, `hit ${counts[0]} of 200`)
    assert.equal(counts[1], counts[0], 'a fixed seed reproduces the rolls')
  })

  test('toxics added to and removed from a live connection take effect', async () => {
    const port = await createProxy(server, 'live', upstream.address)
    const client = await connect(port)
    clients.push(client)
    const rtt = async () => {
      const start = performance.now()
      client.socket.write('abcd')
      return (await client.waitFor(client.received() + 4)) - start
    }
    assert.ok((await rtt()) < 50)
    await addToxic(server, 'live', { type: 'latency', attributes: { latency: 200 } })
    const slow = await rtt()
    assert.ok(slow >= 198 && slow < 290, `with latency: ${slow}`)
    await api(server, 'PATCH', '/proxies/live/toxics/latency_downstream', {
      attributes: { latency: 100 },
    })
    const lower = await rtt()
    assert.ok(lower >= 98 && lower < 190, `after update: ${lower}`)
    await api(server, 'DELETE', '/proxies/live/toxics/latency_downstream')
    assert.ok((await rtt()) < 50)
  })

  test('disabling drops connections and refuses new ones; enabling restores', async () => {
    const port = await createProxy(server, 'flap', upstream.address)
    const client = await connect(port)
    clients.push(client)
    client.socket.write('hi')
    await client.waitFor(2)
    await api(server, 'POST', '/proxies/flap', { enabled: false })
    await client.closed
    const refused = net.connect({ port, host: '127.0.0.1' })
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException]
    assert.equal(error.code, 'ECONNREFUSED')
    const on = await api(server, 'POST', '/proxies/flap', { enabled: true })
    assert.equal((on.json as { listen: string }).listen, `127.0.0.1:${port}`)
    const again = await connect(port)
    clients.push(again)
    again.socket.write('back')
    await again.waitFor(4)
  })

  test('deleting a proxy closes its connections', async () => {
    const port = await createProxy(server, 'gone', upstream.address)
    const client = await connect(port)
    clients.push(client)
    await api(server, 'DELETE', '/proxies/gone')
    await client.closed
  })
})
