/**
 * The agent's way out through TLS and proxies (issue 14 item 1): a Chaos Center serving HTTPS
 * with a self-signed certificate (`openssl req -x509`, for the gateway's address). Without
 * `--ca-file` the agent refuses with the one TLS line (exit 2); with it, it connects; with
 * `HTTPS_PROXY` it connects through an HTTP CONNECT proxy written here, which must see
 * `CONNECT <gateway>:<port>`.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { createFleet, type Fleet } from '../../support/fleet.js'
import { toldLines } from './checks.js'

// The test process itself logs in to the server it just started (startChaosCenter): it trusts
// that certificate without checking. The agent under test is a separate process and checks it.
process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'

let fleet: Fleet
let proxy: http.Server
let proxyUrl: string
const connects: string[] = []

before(async () => {
  fleet = await createFleet({ hosts: ['a'], tls: true })
  // A CONNECT proxy on the bridge: it records each tunnel and pipes bytes both ways.
  proxy = http.createServer((_req, res) => res.writeHead(405).end())
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push(req.url ?? '')
    const [host, port] = (req.url ?? '').split(':')
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => proxy.listen(0, fleet.gateway, resolve))
  proxyUrl = `http://${fleet.gateway}:${(proxy.address() as AddressInfo).port}`
})
after(async () => {
  proxy?.closeAllConnections()
  proxy?.close()
  await fleet?.close()
})

describe('the agent over TLS and through a proxy', () => {
  test('a self-signed server without --ca-file: the TLS line, exit 2', async () => {
    const agent = await fleet.spawnAgent('a')
    // Bounded: an agent that connected after all would otherwise be awaited forever.
    const { code } = await Promise.race([
      agent.exited,
      agent.waitFor(/connected/, 30_000).then(
        () => ({ code: -1 }),
        () => ({ code: -1 })
      ),
    ])
    await agent.stop()
    assert.equal(code, 2, agent.output())
    assert.doesNotMatch(agent.stderr(), /^\s+at /m, 'no stack trace')
    const told = toldLines(agent.stderr())
    assert.equal(told.length, 1, agent.stderr())
    assert.match(
      told[0]!,
      new RegExp(
        `^ordeal agent: TLS to ${fleet.gateway.replaceAll('.', '\\.')}:${fleet.port} failed: .*self-signed certificate.* \\(pass the CA with --ca-file\\)$`
      )
    )
  })

  test('with --ca-file it connects', async () => {
    const agent = await fleet.startAgent('a', { args: ['--ca-file', fleet.caFile!] })
    assert.match(agent.stdout(), new RegExp(`^agent a connected to https://`, 'm'))
    await agent.stop()
  })

  test('with HTTPS_PROXY it connects through the proxy', async () => {
    const agent = await fleet.startAgent('a', {
      args: ['--ca-file', fleet.caFile!],
      env: { HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' },
    })
    assert.ok(
      connects.includes(`${fleet.gateway}:${fleet.port}`),
      `the proxy saw: ${connects.join(', ')}`
    )
    await agent.stop()
  })
})
