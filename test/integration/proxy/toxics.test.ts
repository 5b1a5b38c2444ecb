import { after, afterEach, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
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

describe('toxics on real sockets', () => {
  let server: ProxyServer
  const upstreams: Upstream[] = []
  const clients: Client[] = []
  let n = 0
  before(async () => {
    server = await startApi()
  })
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.socket.destroy())
    await Promise.all(upstreams.splice(0).map((u) => u.close()))
  })
  after(() => server.close())

  /** A fresh proxy (with `toxics` added before any client) to a fresh upstream. */
  async function setup(toxics: object[], onSocket?: Parameters<typeof startUpstream>[0]) {
    const upstream = await startUpstream(onSocket)
    upstreams.push(upstream)
    const name = `p${++n}`
    const port = await createProxy(server, name, upstream.address)
    for (const toxic of toxics) {
      await addToxic(server, name, toxic)
    }
    const open = async () => {
      const client = await connect(port)
      clients.push(client)
      return client
    }
    return { name, port, open, upstream }
  }

  async function roundTrip(client: Client, bytes = 4): Promise<number> {
    const start = performance.now()
    const target = client.received() + bytes
    client.socket.write(Buffer.alloc(bytes, 'x'))
    return (await client.waitFor(target)) - start
  }

  test('latency 200 ms ± 50 ms jitter shows up in the round trip', async () => {
    const { open } = await setup([{ type: 'latency', attributes: { latency: 200, jitter: 50 } }])
    const client = await open()
    for (let i = 0; i < 5; i++) {
      const rtt = await roundTrip(client)
      assert.ok(rtt >= 148 && rtt <= 290, `round trip ${rtt.toFixed(1)} ms outside 150..250 (+40)`)
    }
  })

  test('latency acts on its direction only (upstream vs downstream)', async () => {
    for (const stream of ['upstream', 'downstream']) {
      let arrived = 0
      const { open } = await setup(
        [{ type: 'latency', stream, attributes: { latency: 200 } }],
        (s) => s.on('data', () => (arrived = performance.now())).pipe(s)
      )
      const client = await open()
      const start = performance.now()
      const rtt = await roundTrip(client)
      const oneWay = arrived - start
      assert.ok(rtt >= 198 && rtt < 290, `${stream}: round trip ${rtt}`)
      if (stream === 'upstream') {
        assert.ok(oneWay >= 198, `upstream toxic delays client→server (${oneWay} ms)`)
      } else {
        assert.ok(oneWay < 60, `downstream toxic leaves client→server alone (${oneWay} ms)`)
      }
    }
  })

  test('bandwidth 100 KB/s holds within 15% over 2.5 s', async () => {
    const total = 250_000
    const { open } = await setup([{ type: 'bandwidth', attributes: { rate: 100 } }], (s) =>
      s.end(Buffer.alloc(total, 'b'))
    )
    const start = performance.now()
    const client = await open()
    const end = await client.waitFor(total)
    const rate = total / 1000 / ((end - start) / 1000)
    assert.ok(Math.abs(rate - 100) <= 15, `measured ${rate.toFixed(1)} KB/s`)
  })

  test('slow_close holds the close back by its delay', async () => {
    const { open } = await setup([{ type: 'slow_close', attributes: { delay: 300 } }], (s) =>
      s.end('bye')
    )
    const start = performance.now()
    const client = await open()
    await client.waitFor(3)
    const { at } = await client.closed
    assert.ok(at - start >= 295 && at - start < 500, `closed after ${at - start} ms`)
  })

  test('timeout drops data and closes timeout ms after the last chunk', async () => {
    const { open } = await setup([{ type: 'timeout', attributes: { timeout: 300 } }])
    const client = await open()
    client.socket.write('lost')
    await new Promise((r) => setTimeout(r, 150))
    const last = performance.now()
    client.socket.write('lost again')
    const { at } = await client.closed
    assert.equal(client.received(), 0)
    assert.ok(at - last >= 290 && at - last < 450, `closed ${at - last} ms after the last chunk`)
  })

  test('timeout 0 holds forever; removing it closes the connection', async () => {
    const { open, name } = await setup([{ type: 'timeout', attributes: { timeout: 0 } }])
    const client = await open()
    client.socket.write('lost')
    const early = await Promise.race([
      client.closed.then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('open'), 500)),
    ])
    assert.equal(early, 'open')
    assert.equal(client.received(), 0)
    await api(server, 'DELETE', `/proxies/${name}/toxics/timeout_downstream`)
    await client.closed
  })

  test('reset_peer resets the connection (ECONNRESET) after its timeout', async () => {
    const { open } = await setup([{ type: 'reset_peer', attributes: { timeout: 100 } }])
    const client = await open()
    const start = performance.now()
    client.socket.write('x')
    const { at, error } = await client.closed
    assert.equal(error, 'ECONNRESET')
    assert.equal(client.received(), 0)
    assert.ok(at - start >= 95, `reset after ${at - start} ms`)
  })

  test('slicer splits one write into small reads', async () => {
    // 20 ms between slices: long enough that a busy test machine does not coalesce two reads.
    const attributes = { average_size: 1000, size_variation: 0, delay: 20_000 }
    const { open } = await setup([{ type: 'slicer', attributes }], (s) =>
      s.write(Buffer.alloc(8000, 's'))
    )
    const client = await open()
    await client.waitFor(8000)
    assert.deepEqual(
      client.reads.map((r) => r.data.length),
      Array(8).fill(1000)
    )
  })

  test('slicer with variation keeps pieces small', async () => {
    const attributes = { average_size: 500, size_variation: 100, delay: 20_000 }
    const { open } = await setup([{ type: 'slicer', attributes }], (s) =>
      s.write(Buffer.alloc(16_000, 's'))
    )
    const client = await open()
    await client.waitFor(16_000)
    assert.ok(client.reads.length >= 16, `${client.reads.length} reads`)
    // TCP may still merge two slices on a stalled reader; most reads must be single slices.
    const sizes = client.reads.map((r) => r.data.length).sort((a, b) => a - b)
    assert.ok(
      sizes[Math.floor(sizes.length / 2)]! <= 600,
      `median read ${sizes[Math.floor(sizes.length / 2)]}`
    )
  })

  test('limit_data passes exactly N bytes downstream, then closes', async () => {
    const { open } = await setup([{ type: 'limit_data', attributes: { bytes: 1000 } }], (s) =>
      s.write(Buffer.alloc(5000, 'l'))
    )
    const client = await open()
    await client.closed
    assert.equal(client.received(), 1000)
  })

  test('limit_data upstream cuts client→server at N bytes', async () => {
    let got = 0
    const { open, upstream } = await setup(
      [{ type: 'limit_data', stream: 'upstream', attributes: { bytes: 1500 } }],
      (s) => s.on('data', (d: Buffer) => (got += d.length))
    )
    const client = await open()
    client.socket.write(Buffer.alloc(4000, 'u'))
    await client.closed
    if (upstream.sockets.size > 0) {
      await once([...upstream.sockets][0]!, 'close')
    }
    assert.equal(got, 1500)
  })
})
