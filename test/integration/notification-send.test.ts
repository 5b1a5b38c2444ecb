/**
 * The notifier's HTTP POST against real loopback servers: a receiver that never answers is a
 * retry after the timeout; a redirect is not followed (its target never hears of it); the
 * proxy variables of the server's environment are not used; no outcome names the URL.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, test } from 'node:test'
import { postJson } from '../../src/server/notifications/send.js'
import { startReceiver, type Receiver } from '../support/notification-receiver.js'

const opened: Receiver[] = []
const servers: http.Server[] = []

after(async () => {
  await Promise.all(opened.map((r) => r.close()))
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

async function receiver(): Promise<Receiver> {
  const r = await startReceiver()
  opened.push(r)
  return r
}

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address() as { port: number }
  return `http://127.0.0.1:${address.port}`
}

test('a receiver that accepts the connection but never answers: a retry after the timeout', async () => {
  const silent = await listen(() => undefined)
  const started = Date.now()
  const outcome = await postJson(`${silent}/hang-secret-1`, { a: 1 }, { timeoutMs: 300 })
  assert.deepEqual(outcome, { kind: 'retry', error: 'no answer within 0.3 s' })
  assert.ok(Date.now() - started < 5000)
})

test('a redirect is not followed: failed at once, its Location never requested', async () => {
  const elsewhere = await receiver()
  const redirecting = await listen((_, response) => {
    response.writeHead(302, { location: `${elsewhere.url}/stolen` })
    response.end()
  })
  const outcome = await postJson(`${redirecting}/redirect-secret-2`, { a: 1 })
  assert.deepEqual(outcome, { kind: 'failed', error: 'answered 302; redirects are not followed' })
  assert.equal(elsewhere.received.length, 0)
})

test("the environment's HTTP_PROXY is not used: the receiver itself gets the POST", async () => {
  const proxy = await receiver()
  const target = await receiver()
  const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], http_proxy: process.env['http_proxy'] }
  process.env['HTTP_PROXY'] = proxy.url
  process.env['http_proxy'] = proxy.url
  try {
    const outcome = await postJson(`${target.url}/direct-secret-3`, { hello: 'world' })
    assert.deepEqual(outcome, { kind: 'delivered', status: 204 })
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[key]
      } else {
        process.env[key] = value
      }
    }
  }
  assert.equal(proxy.received.length, 0)
  assert.deepEqual(target.received[0]?.body, { hello: 'world' })
  assert.equal(target.received[0]?.path, '/direct-secret-3')
})

test('a closed port is a retry that names the refusal, not the URL', async () => {
  const gone = await receiver()
  const url = `${gone.url}/closed-secret-4`
  await gone.close()
  const outcome = await postJson(url, {})
  assert.deepEqual(outcome, { kind: 'retry', error: 'connection refused (ECONNREFUSED)' })
})

test("a receiver echoing the path (Express's default 404) leaves only the status: the URL is in no outcome", async () => {
  const express = await listen((request, response) => {
    response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST ${request.url ?? ''}</pre>\n</body>\n</html>\n`
    )
  })
  const outcome = await postJson(`${express}/services/T0/B0/SeCrEtPaTh`, { a: 1 })
  assert.deepEqual(outcome, { kind: 'failed', error: 'answered 404' })
  // The same echo as plain text, URL-encoded, and cut short: still nothing of the path.
  const plain = await listen((request, response) => {
    response.writeHead(500)
    response.end(`no hook ${encodeURIComponent(request.url ?? '')}`)
  })
  const retry = await postJson(`${plain}/hooks/key-%C3%A9-SeCrEt`, {})
  assert.deepEqual(retry, { kind: 'retry', error: 'answered 500' })
  const cut = await listen((_, response) => {
    response.writeHead(403)
    response.end('forbidden hook SeCrEtPa')
  })
  const refused = await postJson(`${cut}/services/T0/B0/SeCrEtPaTh`, {})
  assert.deepEqual(refused, { kind: 'failed', error: 'answered 403' })
})

test("a short plain answer is kept: Slack's invalid_payload", async () => {
  const slack = await listen((_, response) => {
    response.writeHead(400)
    response.end('invalid_payload')
  })
  const outcome = await postJson(`${slack}/services/T0/B0/slack-secret-5`, {})
  assert.deepEqual(outcome, { kind: 'failed', error: 'answered 400: invalid_payload' })
})
