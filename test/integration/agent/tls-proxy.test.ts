/**
 * `--ca-file` and `HTTPS_PROXY` of the built `ordeal agent`, against a wss:// protocol peer with
 * a certificate made by `openssl req -x509` here, through a CONNECT proxy written here (which
 * must see the CONNECT). Without the CA the agent prints the TLS line and exits 2.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { WebSocketServer } from 'ws'
import { cliPath, collect } from '../../support/cli.js'
import { AGENT_PATH } from '../../../src/platforms/agent/protocol.js'

let dir: string
let tokenFile: string
let certFile: string
let server: https.Server
let proxy: net.Server
let url: string
let proxyUrl: string
const connects: string[] = []

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-agent-tls-'))
  tokenFile = path.join(dir, 'token')
  writeFileSync(tokenFile, 'ord_agent_token\n', { mode: 0o600 })
  certFile = path.join(dir, 'cert.pem')
  const keyFile = path.join(dir, 'key.pem')
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ])
  assert.equal(made.status, 0, made.stderr.toString())
  server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) })
  const wss = new WebSocketServer({ server, path: AGENT_PATH })
  wss.on('connection', (socket) => {
    socket.once('message', () =>
      socket.send(
        JSON.stringify({
          type: 'welcome',
          proto: 1,
          name: 'edge-tls',
          heartbeatMs: 5000,
          serverTime: Date.now(),
          resume: [],
        })
      )
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  // A CONNECT proxy in 20 lines: note the target, splice the sockets.
  proxy = net.createServer((client) => {
    client.once('data', (head) => {
      const m = /^CONNECT (\S+):(\d+) HTTP/.exec(head.toString())
      if (!m) {
        client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
        return
      }
      connects.push(`${m[1]}:${m[2]}`)
      const upstream = net.connect(Number(m[2]), m[1], () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
  proxy.close()
  rmSync(dir, { recursive: true, force: true })
})

function agent(extra: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'agent',
      '--server',
      url,
      '--token-file',
      tokenFile,
      '--run-as',
      os.userInfo().username,
      '--state-dir',
      path.join(dir, `state-${Math.random()}`),
      ...extra,
    ],
    {
      env: { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', HTTPS_PROXY: '', NO_PROXY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  return { child, done: collect(child, 60_000) }
}

test('a certificate the agent does not trust: the TLS line, exit 2', async () => {
  const r = await agent([], {}).done
  assert.equal(r.exitCode, 2)
  assert.equal(
    r.stderr,
    `ordeal agent: TLS to 127.0.0.1:${new URL(url).port} failed: self-signed certificate (pass the CA with --ca-file)\n`
  )
})

test('with --ca-file, through HTTPS_PROXY: connects, and the proxy saw the CONNECT', async () => {
  const a = agent(['--ca-file', certFile], { HTTPS_PROXY: proxyUrl })
  let stdout = ''
  // Either it connects, or it exits (and the assertions below say why).
  await Promise.race([
    a.done,
    new Promise<void>((resolve) =>
      a.child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes('connected')) {
          resolve()
        }
      })
    ),
  ])
  assert.equal(stdout, `agent edge-tls connected to ${url} (heartbeat 5s)\n`)
  assert.deepEqual(connects, [`127.0.0.1:${new URL(url).port}`])
  a.child.kill('SIGTERM')
  const r = await a.done
  assert.equal(r.exitCode, 0, r.stderr)
})
