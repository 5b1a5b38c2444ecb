/**
 * The generator's HTTP/1.1 client against real servers: the test server in its own process
 * for the ordinary outcomes, and raw TCP servers for framings node:http would not produce
 * (a body delimited by the close, a garbage answer, an unasked-for answer).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { once } from 'node:events'
import { Http1Client } from '../../../src/load/http1/client.js'
import type { Http1Result } from '../../../src/load/http1/client.js'
import { RequestEncoder } from '../../../src/load/http1/request-bytes.js'
import { compileTemplate } from '../../../src/load/template.js'
import { freePort } from '../../support/free-port.js'
import { startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

function request(url: string, method: 'GET' | 'POST' = 'GET', body?: string) {
  return new RequestEncoder({
    url: compileTemplate(url),
    method,
    headers: [[compileTemplate('x-test'), compileTemplate('yes')]],
    ...(body !== undefined ? { body: compileTemplate(body) } : {}),
  }).encode({ seq: 0, uuid: '', now: '' })
}

function send(client: Http1Client, url: string, method?: 'GET' | 'POST', body?: string) {
  return new Promise<Http1Result>((resolve) => client.send(request(url, method, body), resolve))
}

/** A TCP server that answers every request with `answer` (a function of the request count). */
async function rawServer(answer: (socket: net.Socket, n: number) => void) {
  let n = 0
  const server = net.createServer((socket) => {
    socket.on('data', () => answer(socket, n++))
    socket.on('error', () => undefined)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() }
}

describe('HTTP/1.1 client', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(async () => {
    await server.stop()
  })

  test('answers of any status, a timeout, a reset and a refusal each end their request once', async () => {
    const client = new Http1Client({ connections: 4, timeoutMs: 300, keepBodies: false })
    const [ok, notFound, error, hang, reset] = await Promise.all([
      send(client, `${server.base}/ok`),
      send(client, `${server.base}/nope`),
      send(client, `${server.base}/status/503`),
      send(client, `${server.base}/hang`),
      send(client, `${server.base}/reset`),
    ])
    assert.equal(ok.kind, 'response')
    assert.equal(ok.status, 200)
    assert.ok(ok.sentAt !== undefined && ok.endAt >= ok.sentAt)
    assert.equal(ok.body, undefined, 'bodies are not kept unless asked for')
    assert.equal(notFound.status, 404)
    assert.equal(error.status, 503)
    assert.deepEqual(
      [hang.kind, hang.error, hang.definite],
      ['timeout', 'timeout after 300ms', false]
    )
    assert.deepEqual([reset.kind, reset.error, reset.definite], ['error', 'ECONNRESET', false])
    client.close()

    const port = await freePort()
    const refusing = new Http1Client({ connections: 1, timeoutMs: 1000, keepBodies: false })
    const refused = await send(refusing, `http://127.0.0.1:${port}/`)
    assert.deepEqual(
      [refused.kind, refused.error, refused.definite],
      ['error', 'ECONNREFUSED', true]
    )
    assert.equal(refused.sentAt, undefined)
    refusing.close()
  })

  test('keep-alive: many requests over few connections; a request waits for a free one', async () => {
    const client = new Http1Client({ connections: 2, timeoutMs: 5000, keepBodies: true })
    const before = (await server.stats()).count
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        send(client, `${server.base}/orders`, 'POST', JSON.stringify({ seq: i, ref: `r${i}` }))
      )
    )
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200)
      assert.deepEqual(JSON.parse(r.body!.toString()), { id: `order-${i}`, ref: `r${i}` })
    }
    assert.equal((await server.stats()).count - before, 40)
    client.close()
  })

  test('a request queued behind busy connections times out from when it was asked for', async () => {
    const client = new Http1Client({ connections: 1, timeoutMs: 300, keepBodies: false })
    const [first, second] = await Promise.all([
      send(client, `${server.base}/hang`),
      send(client, `${server.base}/ok`),
    ])
    assert.equal(first.kind, 'timeout')
    // The only connection was busy for the whole timeout: the second never went out.
    assert.deepEqual([second.kind, second.definite], ['timeout', true])
    assert.equal(second.error, 'timeout after 300ms (never sent)')
    client.close()
  })

  test('Connection: close and a body delimited by the close; the next request reconnects', async () => {
    const raw = await rawServer((socket, n) => {
      if (n % 2 === 0) {
        socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfirst')
      } else {
        socket.end('HTTP/1.1 201 Created\r\n\r\nuntil the close')
      }
    })
    const client = new Http1Client({ connections: 1, timeoutMs: 2000, keepBodies: true })
    for (let i = 0; i < 4; i++) {
      const r = await send(client, raw.url)
      assert.equal(r.kind, 'response', JSON.stringify(r))
      assert.equal(r.body?.toString(), i % 2 === 0 ? 'first' : 'until the close')
    }
    client.close()
    raw.close()
  })

  test('a chunked answer split over several writes', async () => {
    const raw = await rawServer((socket) => {
      // '{"i' + 'd":"c1"}', cut inside a chunk, between CR and LF, and before the last chunk.
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"')
      setTimeout(() => socket.write('i\r\n8\r\nd":"c1"}\r'), 5)
      setTimeout(() => socket.write('\n0\r\n\r\n'), 10)
    })
    const client = new Http1Client({ connections: 1, timeoutMs: 2000, keepBodies: true })
    const r = await send(client, raw.url)
    assert.equal(r.body?.toString(), '{"id":"c1"}')
    client.close()
    raw.close()
  })

  test('a garbage or unasked-for answer is a connection error, never a crash', async () => {
    const garbage = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'))
    const client = new Http1Client({ connections: 1, timeoutMs: 2000, keepBodies: false })
    const r = await send(client, garbage.url)
    assert.deepEqual([r.kind, r.error, r.definite], ['error', 'HPE_INVALID_RESPONSE', false])
    garbage.close()

    // Two answers to one request: the extra one poisons the connection, the next reconnects.
    const chatty = await rawServer((socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
      )
    )
    const first = await send(client, chatty.url)
    assert.equal(first.status, 200)
    const second = await send(client, chatty.url)
    assert.ok(second.kind === 'response' || second.kind === 'error', JSON.stringify(second))
    client.close()
    chatty.close()
  })

  test('https: answers over TLS when the certificate is trusted, a connection error when not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-http1-tls-'))
    const key = path.join(dir, 'key.pem')
    const cert = path.join(dir, 'cert.pem')
    try {
      execFileSync(
        'openssl',
        [
          ...[
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
          ],
          ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
        ],
        { stdio: 'ignore' }
      )
      const tlsServer = https.createServer(
        { key: readFileSync(key), cert: readFileSync(cert) },
        (_req, res) => res.end('{"id":"tls-1"}')
      )
      tlsServer.listen(0, '127.0.0.1')
      await once(tlsServer, 'listening')
      const { port } = tlsServer.address() as net.AddressInfo
      const url = `https://127.0.0.1:${port}/`

      const client = new Http1Client({ connections: 1, timeoutMs: 5000, keepBodies: false })
      const untrusted = await send(client, url)
      assert.deepEqual([untrusted.kind, untrusted.definite], ['error', true], 'nothing was sent')
      assert.match(untrusted.error ?? '', /SELF_SIGNED|CERT/)
      client.close()

      // Trusted: Node reads NODE_EXTRA_CA_CERTS at start-up, so in a child process.
      const clientModule = JSON.stringify(
        new URL('../../../src/load/http1/client.ts', import.meta.url).href
      )
      const bytesModule = JSON.stringify(
        new URL('../../../src/load/http1/request-bytes.ts', import.meta.url).href
      )
      const templateModule = JSON.stringify(
        new URL('../../../src/load/template.ts', import.meta.url).href
      )
      const script = `
        const { Http1Client } = await import(${clientModule})
        const { RequestEncoder } = await import(${bytesModule})
        const { compileTemplate } = await import(${templateModule})
        const client = new Http1Client({ connections: 1, timeoutMs: 5000, keepBodies: true })
        const request = new RequestEncoder({ url: compileTemplate(${JSON.stringify(url)}), method: 'GET', headers: [] })
          .encode({ seq: 0, uuid: '', now: '' })
        const results = []
        for (let i = 0; i < 2; i++) {
          const r = await new Promise((resolve) => client.send(request, resolve))
          results.push({ kind: r.kind, status: r.status, body: r.body?.toString(), error: r.error })
        }
        client.close()
        console.log(JSON.stringify(results))
      `
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
          stdio: ['ignore', 'pipe', 'inherit'],
        }
      )
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      await once(child, 'close')
      assert.deepEqual(JSON.parse(out), [
        { kind: 'response', status: 200, body: '{"id":"tls-1"}' },
        { kind: 'response', status: 200, body: '{"id":"tls-1"}' },
      ])
      tlsServer.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
