import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ProxyServer } from '../../../src/proxy/server.js'
import { api, startApi, startUpstream, type Upstream } from './helpers.js'

describe('proxy API (Toxiproxy v2)', () => {
  let server: ProxyServer
  let upstream: Upstream
  before(async () => {
    server = await startApi()
    upstream = await startUpstream()
  })
  after(async () => {
    await server.close()
    await upstream.close()
  })
  const err = (status: number, error: string) => ({ error, status })

  test('version, 404, 405, request id, browser block', async () => {
    const version = await api(server, 'GET', '/version')
    assert.equal(version.status, 200)
    assert.equal(version.text, '{"version": "2.12.0"}\n')
    assert.equal(version.headers.get('content-type'), 'application/json;charset=utf-8')
    assert.match(version.headers.get('x-toxiproxy-request-id') ?? '', /^[0-9a-v]{20}$/)
    const missing = await api(server, 'GET', '/nope')
    assert.equal(missing.status, 404)
    assert.equal(missing.text, '404 page not found\n')
    assert.equal(missing.headers.get('x-toxiproxy-request-id'), null)
    const wrong = await api(server, 'PUT', '/proxies')
    assert.equal(wrong.status, 405)
    assert.equal(wrong.text, '')
    const res = await fetch(`${server.url}/proxies`, { headers: { 'User-Agent': 'Mozilla/5.0' } })
    assert.equal(res.status, 403)
    assert.equal(await res.text(), 'User agent not allowed\n')
    assert.equal((await api(server, 'GET', '/metrics')).status, 404)
  })

  test('proxy create, get, list, update, delete and their errors', async () => {
    assert.deepEqual((await api(server, 'GET', '/proxies')).json, {})
    const body = { Name: 'db', listen: 'localhost:0', upstream: upstream.address, extra: 1 }
    const created = await api(server, 'POST', '/proxies', body)
    assert.equal(created.status, 201)
    const proxy = created.json as { listen: string }
    assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/)
    assert.deepEqual(created.json, {
      name: 'db',
      listen: proxy.listen,
      upstream: upstream.address,
      enabled: true,
      toxics: [],
    })
    assert.deepEqual(
      (await api(server, 'POST', '/proxies', body)).json,
      err(409, 'proxy already exists')
    )
    assert.deepEqual(
      (await api(server, 'POST', '/proxies', '')).json,
      err(400, 'bad request body: EOF')
    )
    assert.deepEqual(
      (await api(server, 'POST', '/proxies', '{b')).json,
      err(400, "bad request body: invalid character 'b' looking for beginning of object key string")
    )
    assert.deepEqual(
      (await api(server, 'POST', '/proxies', { upstream: 'x:1' })).json,
      err(400, 'missing required field: name')
    )
    assert.deepEqual(
      (await api(server, 'POST', '/proxies', { name: 'y' })).json,
      err(400, 'missing required field: upstream')
    )
    const bad = await api(server, 'POST', '/proxies', {
      name: 'z',
      upstream: 'x:1',
      enabled: 'yes',
    })
    assert.equal(bad.status, 400)
    assert.match(
      (bad.json as { error: string }).error,
      /^bad request body: json: cannot unmarshal string/
    )
    const port = proxy.listen.split(':')[1]
    const busy = await api(server, 'POST', '/proxies', {
      name: 'b',
      listen: proxy.listen,
      upstream: 'x:1',
    })
    assert.deepEqual(
      busy.json,
      err(500, `listen tcp 127.0.0.1:${port}: bind: address already in use`)
    )
    assert.equal((await api(server, 'GET', '/proxies/b')).status, 404)
    // Unresolvable upstreams are accepted, as in the reference.
    assert.equal(
      (await api(server, 'POST', '/proxies', { name: 'u', upstream: 'somehost:12345' })).status,
      201
    )
    assert.deepEqual(Object.keys((await api(server, 'GET', '/proxies')).json as object), [
      'db',
      'u',
    ])
    assert.deepEqual((await api(server, 'GET', '/proxies/db')).json, created.json)
    assert.deepEqual((await api(server, 'GET', '/proxies/none')).json, err(404, 'proxy not found'))
    const off = await api(server, 'PATCH', '/proxies/db', { enabled: false })
    assert.equal(off.status, 200)
    assert.deepEqual(off.json, { ...(created.json as object), enabled: false })
    const on = await api(server, 'POST', '/proxies/db', { enabled: true })
    assert.deepEqual(on.json, created.json)
    assert.deepEqual(
      (await api(server, 'POST', '/proxies/none', {})).json,
      err(404, 'proxy not found')
    )
    assert.equal((await api(server, 'POST', '/proxies/db', '[')).status, 400)
    const del = await api(server, 'DELETE', '/proxies/u')
    assert.equal(del.status, 204)
    assert.equal(del.text, '')
    assert.deepEqual((await api(server, 'DELETE', '/proxies/u')).json, err(404, 'proxy not found'))
  })

  test('toxics: create defaults, get, list, update, delete and their errors', async () => {
    await api(server, 'POST', '/proxies', { name: 't', upstream: upstream.address })
    const path = '/proxies/t/toxics'
    const added = await api(server, 'POST', path, { type: 'latency', attributes: { latency: 50 } })
    assert.equal(added.status, 200)
    const latency = {
      attributes: { latency: 50, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    }
    assert.deepEqual(added.json, latency)
    const up = await api(server, 'POST', path, {
      type: 'slicer',
      stream: 'UPSTREAM',
      toxicity: 0,
      attributes: { average_size: 10 },
    })
    assert.deepEqual(up.json, {
      attributes: { average_size: 10, size_variation: 0, delay: 0 },
      name: 'slicer_UPSTREAM',
      type: 'slicer',
      stream: 'UPSTREAM',
      toxicity: 0,
    })
    const list = (await api(server, 'GET', path)).json as { name: string }[]
    assert.deepEqual(
      list.map((t) => t.name),
      ['slicer_UPSTREAM', 'latency_downstream']
    )
    assert.deepEqual((await api(server, 'GET', `${path}/latency_downstream`)).json, latency)
    const updated = await api(server, 'PATCH', `${path}/latency_downstream`, {
      attributes: { jitter: 5 },
      name: 'ignored',
    })
    assert.deepEqual(updated.json, { ...latency, attributes: { latency: 50, jitter: 5 } })
    const viaPost = await api(server, 'POST', `${path}/latency_downstream`, { toxicity: 0.5 })
    assert.equal((viaPost.json as { toxicity: number }).toxicity, 0.5)
    const e = async (body: unknown) => (await api(server, 'POST', path, body)).json
    assert.deepEqual(
      await e({ type: 'latency', stream: 'sideways' }),
      err(400, 'stream was invalid, can be either upstream or downstream')
    )
    assert.deepEqual(
      await e({ type: 'nope', stream: 'sideways' }),
      err(400, 'stream was invalid, can be either upstream or downstream')
    )
    assert.deepEqual(await e({ type: 'down' }), err(400, 'invalid toxic type'))
    assert.deepEqual(await e({ type: 'latency' }), err(409, 'toxic already exists'))
    assert.deepEqual(
      await e({ type: 'latency', name: 'slicer_UPSTREAM', stream: 'downstream' }),
      err(409, 'toxic already exists')
    )
    assert.deepEqual(await e(''), err(400, 'bad request body: EOF'))
    const fraction = (await e({ type: 'latency', name: 'f', attributes: { latency: 1.5 } })) as {
      error: string
    }
    assert.match(
      fraction.error,
      /^bad request body: json: cannot unmarshal number 1.5 into Go struct field/
    )
    // Section 9: inputs the reference stalls or crashes on are 400 here.
    for (const bad of [
      { type: 'bandwidth', attributes: { rate: 0 } },
      { type: 'bandwidth', attributes: { rate: -1 } },
      { type: 'slicer', attributes: { average_size: 0 } },
      { type: 'slicer', attributes: { average_size: 10, size_variation: 10 } },
      { type: 'slicer', attributes: { average_size: 10, size_variation: -1 } },
      { type: 'latency', attributes: { latency: -1 } },
      { type: 'timeout', attributes: { timeout: -5 } },
      { type: 'limit_data', attributes: { bytes: -1 } },
      { type: 'noop', toxicity: 1.5 },
      { type: 'noop', toxicity: -0.1 },
    ]) {
      const res = await api(server, 'POST', path, { ...bad, name: 'bad' })
      assert.equal(res.status, 400, JSON.stringify(bad))
      assert.deepEqual(Object.keys(res.json as object), ['error', 'status'])
    }
    assert.equal(
      (await api(server, 'PATCH', `${path}/latency_downstream`, { attributes: { latency: -1 } }))
        .status,
      400
    )
    assert.deepEqual(
      (await api(server, 'GET', '/proxies/none/toxics')).json,
      err(404, 'proxy not found')
    )
    assert.deepEqual(
      (await api(server, 'POST', '/proxies/none/toxics', { type: 'noop' })).json,
      err(404, 'proxy not found')
    )
    assert.deepEqual((await api(server, 'GET', `${path}/none`)).json, err(404, 'toxic not found'))
    assert.deepEqual(
      (await api(server, 'PATCH', `${path}/none`, {})).json,
      err(404, 'toxic not found')
    )
    const del = await api(server, 'DELETE', `${path}/latency_downstream`)
    assert.equal(del.status, 204)
    assert.equal(del.text, '')
    assert.deepEqual(
      (await api(server, 'DELETE', `${path}/latency_downstream`)).json,
      err(404, 'toxic not found')
    )
    // The server still serves after all of that.
    assert.equal((await api(server, 'GET', '/version')).status, 200)
  })

  test('populate and reset', async () => {
    const empty = await api(server, 'POST', '/populate', [])
    assert.equal(empty.status, 201)
    assert.deepEqual(empty.json, { proxies: [] })
    const missing = await api(server, 'POST', '/populate', [
      { name: 'p1', upstream: 'x:1' },
      { name: 'p2' },
    ])
    assert.deepEqual(missing.json, {
      error: 'missing required field: upstream at proxy 2',
      status: 400,
      proxies: null,
    })
    assert.equal((await api(server, 'GET', '/proxies/p1')).status, 404, 'nothing created')
    const items = [
      { name: 'p1', listen: '127.0.0.1:0', upstream: upstream.address },
      { name: 'p2', upstream: upstream.address, enabled: false },
    ]
    const made = await api(server, 'POST', '/populate', items)
    assert.equal(made.status, 201)
    const proxies = (made.json as { proxies: { name: string; listen: string; enabled: boolean }[] })
      .proxies
    assert.deepEqual(
      proxies.map((p) => [p.name, p.enabled]),
      [
        ['p1', true],
        ['p2', false],
      ]
    )
    await api(server, 'POST', '/proxies/p1/toxics', { type: 'latency' })
    // Same name and address: kept as is, toxics included.
    const again = await api(server, 'POST', '/populate', [
      { name: 'p1', listen: proxies[0]!.listen, upstream: upstream.address },
    ])
    assert.equal((again.json as { proxies: { toxics: unknown[] }[] }).proxies[0]!.toxics.length, 1)
    const busy = await api(server, 'POST', '/populate', [
      { name: 'p3', upstream: upstream.address },
      { name: 'p4', listen: proxies[0]!.listen, upstream: upstream.address },
    ])
    assert.equal(busy.status, 500)
    const body = busy.json as { error: string; proxies: { name: string }[] }
    assert.match(body.error, /bind: address already in use$/)
    assert.deepEqual(
      body.proxies.map((p) => p.name),
      ['p3']
    )
    assert.equal((await api(server, 'POST', '/populate', '{}')).status, 400)
    const reset = await api(server, 'POST', '/reset')
    assert.equal(reset.status, 204)
    assert.equal(reset.text, '')
    const all = (await api(server, 'GET', '/proxies')).json as Record<
      string,
      { enabled: boolean; toxics: unknown[] }
    >
    for (const p of Object.values(all)) {
      assert.equal(p.enabled, true)
      assert.deepEqual(p.toxics, [])
    }
  })
})
