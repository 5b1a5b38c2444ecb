/**
 * The agent connection against the real server (the built CLI), spoken with a raw `ws` client
 * so that every frame and close code is the protocol's, not the agent's interpretation of it:
 * the token checked before the upgrade (plain 401/403), hello and welcome, heartbeats and the
 * clock, replacement of a same-named agent (4002, never refused), an unsupported protocol
 * (4003), a name that is not the token's (4004), a silent agent dropped within 2 heartbeats.
 *
 * The parts after the upgrade need an agent token (POST /api/tokens with role agent, and the
 * store's agents migration): they pass once the roles and store work of issue 14 is merged.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import WebSocket from 'ws'
import {
  AGENT_PATH,
  CLOSE,
  type FromAgent,
  type ToAgent,
} from '../../src/platforms/agent/protocol.js'
import type { Health } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'

const HEARTBEAT_MS = 500
/** Generous on a shared machine: readiness and closes are awaited, this only bounds them. */
const WAIT_MS = 30_000

let center: ChaosCenter

before(async () => {
  center = await startChaosCenter({
    args: ['--agent-heartbeat', `${HEARTBEAT_MS}ms`, '--agent-lease', '2s'],
  })
})

after(async () => {
  await center.dispose()
})

interface Closed {
  code: number
  reason: string
}

/** A raw agent socket: frames received in order, awaited by type. */
class RawAgent {
  readonly frames: ToAgent[] = []
  readonly closed: Promise<Closed>
  readonly opened: Promise<void>
  #waiters: (() => void)[] = []
  readonly ws: WebSocket

  constructor(token: string | undefined) {
    this.ws = new WebSocket(center.url.replace(/^http/, 'ws') + AGENT_PATH, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ToAgent)
      for (const wake of this.#waiters.splice(0)) {
        wake()
      }
    })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.opened.catch(() => undefined)
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))
    })
  }

  send(frame: FromAgent | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  hello(over: Partial<Extract<FromAgent, { type: 'hello' }>> = {}): void {
    this.send({
      type: 'hello',
      proto: 1,
      instance: `i-${Math.random().toString(36).slice(2)}`,
      version: '0.1.0',
      labels: { zone: 'test' },
      hostname: 'raw-client',
      addresses: ['127.0.0.1'],
      maxRuns: 1,
      runs: [],
      ...over,
    })
  }

  /** The first frame of `type` received so far or from now on. */
  async next<T extends ToAgent['type']>(type: T): Promise<Extract<ToAgent, { type: T }>> {
    const deadline = Date.now() + WAIT_MS
    for (;;) {
      const found = this.frames.find((frame) => frame.type === type)
      if (found !== undefined) {
        return found as Extract<ToAgent, { type: T }>
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${type} frame within ${WAIT_MS} ms; got ${JSON.stringify(this.frames)}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Answers every ping with a pong, as the agent does. */
  answerPings(): void {
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ToAgent
      if (frame.type === 'ping') {
        const t = Date.now()
        this.send({ type: 'pong', id: frame.id, t1: t, t2: t })
      }
    })
  }
}

/** The HTTP answer to an upgrade that was refused before it happened. */
function refusedUpgrade(
  headers: Record<string, string>
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(center.url.replace(/^http/, 'ws') + AGENT_PATH, { headers })
    ws.on('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += String(chunk)))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    ws.on('open', () => reject(new Error('the upgrade was accepted')))
    ws.on('error', () => undefined)
  })
}

async function agentToken(name: string): Promise<string> {
  const created = await apiFetch<{ secret: string }>(center.url, '/api/tokens', {
    token: center.ownerToken,
    method: 'POST',
    body: { name, role: 'agent' },
  })
  assert.equal(created.status, 201, `creating agent token ${name}: ${created.text}`)
  return created.json.secret
}

async function connectedAgents(): Promise<number> {
  const health = await apiFetch<Health>(center.url, '/api/health')
  return health.json.connectedAgents
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('before the upgrade (plain HTTP answers)', () => {
  test('no token or a bad token: 401, and nothing is upgraded', async () => {
    const none = await refusedUpgrade({})
    assert.equal(none.status, 401)
    assert.match(none.body, /missing bearer token/)
    const bad = await refusedUpgrade({ authorization: 'Bearer ordl_tok_not-a-token' })
    assert.equal(bad.status, 401)
    assert.match(bad.body, /invalid or expired token/)
  })

  test('a token of another role (owner): 403 naming the role needed', async () => {
    const owner = await refusedUpgrade({ authorization: `Bearer ${center.ownerToken}` })
    assert.equal(owner.status, 403)
    assert.match(owner.body, /requires role agent; token has owner/)
  })
})

describe('on the socket (needs agent tokens)', () => {
  let token: string

  before(async () => {
    token = await agentToken('edge-1')
  })

  test('hello → welcome; pings every heartbeat; pongs keep it connected', async () => {
    const agent = new RawAgent(token)
    agent.answerPings()
    await agent.opened
    agent.hello({ name: 'edge-1' })
    const welcome = await agent.next('welcome')
    assert.equal(welcome.proto, 1)
    assert.equal(welcome.name, 'edge-1')
    assert.equal(welcome.heartbeatMs, HEARTBEAT_MS)
    assert.deepEqual(welcome.resume, [])
    assert.ok(Math.abs(welcome.serverTime - Date.now()) < 5000)
    const ping = await agent.next('ping')
    assert.ok(ping.id > 0 && ping.t0 > 0)
    assert.equal(await connectedAgents(), 1)
    // Past several heartbeats, still connected: the pongs count as frames.
    const pings = () => agent.frames.filter((f) => f.type === 'ping').length
    await until('4 pings', async () => pings() >= 4)
    assert.equal(agent.ws.readyState, WebSocket.OPEN)
    agent.ws.close(1000)
    await agent.closed
    await until('the agent to be disconnected', async () => (await connectedAgents()) === 0)
  })

  test('a second agent with the same name replaces the first (4002), never refused', async () => {
    const first = new RawAgent(token)
    first.answerPings()
    await first.opened
    first.hello()
    await first.next('welcome')
    const second = new RawAgent(token)
    second.answerPings()
    await second.opened
    second.hello()
    const welcome = await second.next('welcome')
    assert.equal(welcome.name, 'edge-1')
    const closed = await first.closed
    assert.equal(closed.code, CLOSE.replaced)
    const bye = await first.next('bye')
    assert.equal(bye.code, CLOSE.replaced)
    assert.match(bye.reason, /^replaced by a new agent named edge-1 from \S+$/)
    assert.equal(await connectedAgents(), 1)
    second.ws.close(1000)
    await second.closed
  })

  test('an unsupported protocol gets bye 4003', async () => {
    const agent = new RawAgent(token)
    await agent.opened
    agent.hello({ proto: 2 })
    const bye = await agent.next('bye')
    assert.equal(bye.code, CLOSE.unsupported)
    assert.equal(bye.reason, 'agent protocol 2, server speaks 1')
    assert.equal((await agent.closed).code, CLOSE.unsupported)
  })

  test('a name other than the token’s gets bye 4004', async () => {
    const agent = new RawAgent(token)
    await agent.opened
    agent.hello({ name: 'edge-2' })
    const bye = await agent.next('bye')
    assert.equal(bye.code, CLOSE.wrongName)
    assert.equal(bye.reason, 'the token is for agent edge-1, not edge-2')
    assert.equal((await agent.closed).code, CLOSE.wrongName)
  })

  test('an invalid frame closes with 4000', async () => {
    const agent = new RawAgent(token)
    await agent.opened
    agent.send({ type: 'hello', proto: 'one' })
    assert.equal((await agent.closed).code, CLOSE.protocol)
  })

  test('an agent that stops answering is dropped within 2 heartbeats (plus slack)', async () => {
    const agent = new RawAgent(token)
    await agent.opened
    const helloAt = Date.now()
    agent.hello()
    await agent.next('welcome')
    const welcomedAt = Date.now()
    // No pongs: the server terminates the socket (no close frame: 1006 on this side).
    const closed = await agent.closed
    const closedAt = Date.now()
    assert.equal(closed.code, 1006)
    // The hello was its last frame: dropped past 2 heartbeats from it, and soon after.
    assert.ok(closedAt - helloAt > 2 * HEARTBEAT_MS, `dropped ${closedAt - helloAt} ms after hello`)
    assert.ok(
      closedAt - welcomedAt < 2 * HEARTBEAT_MS + 2000,
      `dropped ${closedAt - welcomedAt} ms after welcome`
    )
    await until('the agent to be disconnected', async () => (await connectedAgents()) === 0)
  })

  test('no hello within 10 s closes with 4000', async () => {
    const agent = new RawAgent(token)
    await agent.opened
    const closed = await agent.closed
    assert.equal(closed.code, CLOSE.protocol)
    assert.match((await agent.next('bye')).reason, /no hello within 10 s/)
  })
})

describe('TLS (--tls-cert, --tls-key)', () => {
  let tlsCenter: ChaosCenter
  let dir: string

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' }
    )
    // The harness logs in with fetch, which cannot be given a CA: this file's requests to
    // loopback skip verification while the server starts; the wss:// check below verifies.
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0'
    try {
      tlsCenter = await startChaosCenter({
        args: ['--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')],
      })
    } finally {
      delete process.env['NODE_TLS_REJECT_UNAUTHORIZED']
    }
  })

  after(async () => {
    await tlsCenter?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  test('the printed URL is https://, and the agent route answers over wss://', async () => {
    assert.match(tlsCenter.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(tlsCenter.url.replace(/^https/, 'wss') + AGENT_PATH, {
        ca: readFileSync(path.join(dir, 'cert.pem')),
      })
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      ws.on('error', reject)
    })
    assert.equal(status, 401)
  })
})
