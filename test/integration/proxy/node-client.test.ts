import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client'
import type { ICreateToxicBody, Latency } from 'toxiproxy-node-client'
import { freePort } from '../../support/free-port.js'
import { connect, startUpstream, type Upstream } from './helpers.js'
import { ready, spawnProxy, type ProxyProcess } from './cli-process.js'

/** The client's own tests send only type and attributes; its types ask for every field. */
const toxicBody = <T>(body: Partial<ICreateToxicBody<T>>) => body as ICreateToxicBody<T>

describe('toxiproxy-node-client 4.1.0 drives the built ordeal proxy', () => {
  let proc: ProxyProcess
  let client: Toxiproxy
  let upstream: Upstream
  before(async () => {
    upstream = await startUpstream()
    const port = await freePort()
    proc = spawnProxy(['--port', String(port), '--seed', '3'])
    await ready(proc)
    client = new Toxiproxy(`http://127.0.0.1:${port}`)
  })
  after(async () => {
    proc.child.kill('SIGTERM')
    await proc.exited
    await upstream.close()
  })

  test('the whole client API, unchanged', async () => {
    assert.equal(await client.getVersion(), '{"version": "2.12.0"}\n')
    const listenPort = await freePort()
    const proxy = await client.createProxy({
      name: 'echo',
      listen: `127.0.0.1:${listenPort}`,
      upstream: upstream.address,
    })
    assert.equal(proxy.listen, `127.0.0.1:${listenPort}`)
    await assert.rejects(
      client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: 'x:1' }),
      (e: unknown) =>
        e instanceof ToxiproxyError && e.message === 'Request failed with status code 409'
    )
    assert.equal((await client.get('echo')).upstream, upstream.address)
    const all = await client.getAll()
    assert.equal(all['echo']?.listen, `127.0.0.1:${listenPort}`)

    const toxic = await proxy.addToxic(
      toxicBody<Latency>({ type: 'latency', attributes: { latency: 100, jitter: 0 } })
    )
    assert.equal(toxic.name, 'latency_downstream')
    assert.equal(toxic.toxicity, 1)
    const socket = await connect(listenPort)
    const start = performance.now()
    socket.socket.write('ping')
    assert.ok((await socket.waitFor(4)) - start >= 98, 'the latency toxic acts')
    socket.socket.destroy()
    const updated = await toxic.update(
      toxicBody<Latency>({ attributes: { latency: 12345, jitter: 42 } })
    )
    assert.deepEqual(updated.attributes, { latency: 12345, jitter: 42 })
    assert.deepEqual((await proxy.getToxic<Latency>('latency_downstream')).attributes, {
      latency: 12345,
      jitter: 42,
    })
    await assert.rejects(
      proxy.addToxic(
        toxicBody<Latency>({ type: 'latency', attributes: { latency: 1, jitter: 0 } })
      ),
      { message: 'Request failed with status code 409' }
    )
    for (const [type, attributes] of [
      ['bandwidth', { rate: 1000 }],
      ['slow_close', { delay: 10 }],
      ['timeout', { timeout: 10 }],
      ['slicer', { average_size: 10, size_variation: 5, delay: 10 }],
      ['reset_peer', { timeout: 10 }],
      ['limit_data', { bytes: 10 }],
    ] as const) {
      const t = await proxy.addToxic(toxicBody({ type, stream: 'upstream', attributes }))
      assert.deepEqual(t.attributes, attributes)
      await t.remove()
    }
    await updated.remove()
    await assert.rejects(proxy.getToxic('latency_downstream'), {
      message: 'Request failed with status code 404',
    })

    const off = await proxy.update({
      enabled: false,
      listen: proxy.listen,
      upstream: proxy.upstream,
    })
    assert.equal(off.enabled, false)
    const moved = await off.update({
      enabled: true,
      listen: proxy.listen,
      upstream: 'somehost:12345',
    })
    assert.equal(moved.upstream, 'somehost:12345')

    const populated = await client.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream: upstream.address },
      { name: 'b', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false },
    ])
    assert.deepEqual(Object.keys(populated).sort(), ['a', 'b'])
    assert.deepEqual(Object.keys(await client.populate([])), [])

    await (
      await client.get('a')
    ).addToxic(toxicBody({ type: 'timeout', attributes: { timeout: 0 } }))
    await client.reset()
    const afterReset = await client.getAll()
    assert.ok(Object.values(afterReset).every((p) => p.enabled))
    await assert.rejects((await client.get('a')).getToxic('timeout_downstream'), {
      message: 'Request failed with status code 404',
    })

    for (const name of ['a', 'b', 'echo']) {
      await (await client.get(name)).remove()
    }
    await assert.rejects(client.get('echo'), { message: 'Request failed with status code 404' })
    assert.deepEqual(Object.keys(await client.getAll()), [])
    assert.match(proc.stdout(), /api: POST \/proxies 201/)
  })
})

describe('ordeal proxy command', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-proxy-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('a bad config file is exit 2 with one line naming it', async () => {
    const file = path.join(dir, 'bad.json')
    writeFileSync(file, '[{"name": "x"}]')
    const proc = spawnProxy(['--port', '0', '--config', file])
    assert.equal(await proc.exited, 2)
    assert.equal(
      proc.stderr(),
      `ordeal proxy: ${file}: missing required field: upstream at proxy 1\n`
    )
    const missing = spawnProxy(['--port', '0', '--config', path.join(dir, 'none.json')])
    assert.equal(await missing.exited, 2)
    assert.match(missing.stderr(), /none\.json: no such file\n$/)
    const badPort = spawnProxy(['--port', 'abc'])
    assert.equal(await badPort.exited, 2)
  })

  test('applies --config at start and exits 0 on SIGINT', async () => {
    const upstream = await startUpstream()
    const listen = await freePort()
    const file = path.join(dir, 'good.json')
    writeFileSync(
      file,
      JSON.stringify([{ name: 'c', listen: `127.0.0.1:${listen}`, upstream: upstream.address }])
    )
    const proc = spawnProxy(['--port', '0', '--config', file])
    try {
      await ready(proc)
      const deadline = Date.now() + 5000
      while (!proc.stdout().includes('proxy c: listening') && Date.now() < deadline) {
        await new Promise((r) => proc.child.stdout?.once('data', r))
      }
      const c = await connect(listen)
      c.socket.write('hey')
      await c.waitFor(3)
      c.socket.destroy()
      proc.child.kill('SIGINT')
      assert.equal(await proc.exited, 0)
    } finally {
      proc.child.kill('SIGKILL')
      await upstream.close()
    }
  })
})
