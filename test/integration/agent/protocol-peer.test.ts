/**
 * The built `ordeal agent` against a peer that speaks the agent protocol (protocol.ts) with the
 * real `ws` library, in this test: the agent's side of the contract until the Chaos Center's
 * fleet lands (test/integration/agent-process.test.ts runs it against the real server).
 * Checks the hello, the ready line, pong, a run end to end, reconnects after a dead socket or a
 * silent server, the 4002 exit line, and a graceful SIGTERM mid-run.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { WebSocketServer, type WebSocket } from 'ws'
import { cliPath, collect } from '../../support/cli.js'
import {
  AGENT_PATH,
  fromAgentSchema,
  parseFrame,
  type FromAgent,
  type ToAgent,
} from '../../../src/platforms/agent/protocol.js'

let dir: string
let tokenFile: string
let wss: WebSocketServer
let url: string

/** Every connection, with its frames as they come; `next(type)` awaits the next of a type. */
interface Peer {
  socket: WebSocket
  frames: FromAgent[]
  next<T extends FromAgent['type']>(type: T): Promise<Extract<FromAgent, { type: T }>>
  send(frame: ToAgent): void
  closed: Promise<number>
}
let peers: Peer[] = []
let onPeer: ((peer: Peer) => void)[] = []
/** Set to answer the next upgrades with this HTTP status (a revoked token, say). */
let refuseWith: { status: number; message: string } | undefined
const nextPeer = () => new Promise<Peer>((resolve) => onPeer.push(resolve))

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-agent-peer-'))
  tokenFile = path.join(dir, 'token')
  writeFileSync(tokenFile, 'ord_agent_token\n', { mode: 0o600 })
  wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: AGENT_PATH,
    verifyClient: (_info, done) =>
      refuseWith ? done(false, refuseWith.status, refuseWith.message) : done(true),
  })
  wss.on('connection', (socket, request) => {
    assert.equal(request.headers.authorization, 'Bearer ord_agent_token')
    const frames: FromAgent[] = []
    const waiting: { type: string; resolve: (f: FromAgent) => void }[] = []
    let read = 0
    const deliver = () => {
      for (const w of [...waiting]) {
        const found = frames.slice(read).find((f) => f.type === w.type)
        if (found) {
          read = frames.indexOf(found) + 1
          waiting.splice(waiting.indexOf(w), 1)
          w.resolve(found)
        }
      }
    }
    socket.on('message', (data) => {
      const frame = parseFrame(fromAgentSchema, data.toString())
      assert.ok(frame, `invalid frame ${data.toString()}`)
      frames.push(frame)
      deliver()
    })
    const peer: Peer = {
      socket,
      frames,
      next: (type) =>
        new Promise((resolve) => {
          waiting.push({ type, resolve: resolve as (f: FromAgent) => void })
          deliver()
        }),
      send: (frame) => socket.send(JSON.stringify(frame)),
      closed: new Promise((resolve) => socket.once('close', (code) => resolve(code))),
    }
    peers.push(peer)
    onPeer.shift()?.(peer)
  })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  url = `http://127.0.0.1:${(wss.address() as { port: number }).port}`
})
after(() => {
  wss.close()
  rmSync(dir, { recursive: true, force: true })
})

function startAgent(name: string) {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'agent',
      '--server',
      url,
      '--token-file',
      tokenFile,
      '--name',
      name,
      '--label',
      'zone=eu-1',
      '--run-as',
      os.userInfo().username,
      '--state-dir',
      path.join(dir, name),
    ],
    {
      env: { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', HTTPS_PROXY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  // Everything it logs, from the start, so a line written before a test looks is still found.
  let log = ''
  const waiters = new Set<() => void>()
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString()
    waiters.forEach((wake) => wake())
  })
  const logged = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (pattern.test(log)) {
          waiters.delete(check)
          resolve()
        }
      }
      waiters.add(check)
      check()
    })
  return { child, done: collect(child, 120_000), logged }
}

const welcome = (name: string, heartbeatMs = 500): ToAgent => ({
  type: 'welcome',
  proto: 1,
  name,
  heartbeatMs,
  serverTime: Date.now(),
  resume: [],
})

const manifest = (wait: string) =>
  `apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata:\n  name: tiny\nspec:\n  hypothesis: h\n  steps:\n    - name: pause\n      wait: ${wait}\n`

/** Acks every events frame of `peer` as a Chaos Center would; resolves with the seqs seen. */
function ackAll(peer: Peer, runId: string): number[] {
  const seqs: number[] = []
  peer.socket.on('message', (data) => {
    const frame = parseFrame(fromAgentSchema, data.toString())
    if (frame?.type === 'events' && frame.runId === runId) {
      seqs.push(...frame.events.map((e) => e.seq))
      peer.send({ type: 'ack', runId, seq: frame.events.at(-1)!.seq })
    }
  })
  return seqs
}

test('hello, ready line, pong, a run end to end, reconnect after a dead socket, then 4002 exits 2', async (t) => {
  peers = []
  onPeer = []
  const first = nextPeer()
  const agent = startAgent('edge-1')
  const peer = await first
  const hello = await peer.next('hello')
  assert.equal(hello.name, 'edge-1')
  assert.equal(hello.proto, 1)
  assert.deepEqual(hello.labels, { zone: 'eu-1' })
  assert.deepEqual(hello.runs, [])
  assert.equal(hello.maxRuns, 1)
  assert.deepEqual(hello.features, ['parts']) // review 14b #17
  // A heartbeat long enough that a slow run-process start on a loaded machine (CI: 2 cores
  // beside other suites) never looks like a silent server; the next test checks that rule.
  peer.send(welcome('edge-1', 5000))
  peer.send({ type: 'ping', id: 7, t0: Date.now() })
  const pong = await peer.next('pong')
  assert.equal(pong.id, 7)
  assert.ok(pong.t2 >= pong.t1)

  const seqs = ackAll(peer, 'tiny-peer-1')
  peer.send({
    type: 'run',
    runId: 'tiny-peer-1',
    experiment: 'tiny',
    yaml: manifest('100ms'),
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
  })
  const sentAt = performance.now()
  await peer.next('accepted')
  const acceptedMs = performance.now() - sentAt
  await peer.next('events')
  // For the record (not asserted): run → first journal event, with the spare run process.
  t.diagnostic(
    `run → accepted ${acceptedMs.toFixed(0)} ms, → first events ${(performance.now() - sentAt).toFixed(0)} ms`
  )
  await peer.next('ended')
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i)
  )
  assert.ok(seqs.length >= 4)

  // A dead socket: the agent comes back with a new hello, holding nothing (once the reported
  // run is dropped, after its run process exits; before that its hello would still name it).
  await agent.logged(/run tiny-peer-1: reported/)
  const second = nextPeer()
  peer.socket.terminate()
  const again = await second
  const hello2 = await again.next('hello')
  assert.equal(hello2.instance, hello.instance)
  assert.deepEqual(hello2.runs, [])
  again.send(welcome('edge-1', 5000))
  again.send({
    type: 'bye',
    code: 4002,
    reason: 'replaced by a new agent named edge-1 from 198.18.0.7',
  })
  again.socket.close(4002, 'replaced')
  const r = await agent.done
  assert.equal(r.exitCode, 2, r.stderr)
  assert.equal(r.stdout, `agent edge-1 connected to ${url} (heartbeat 5s)\n`.repeat(2))
  assert.match(
    r.stderr,
    /ordeal agent: replaced by another agent named edge-1 \(from 198\.18\.0\.7\); exiting\n$/
  )
  assert.doesNotMatch(r.stderr, /ord_agent_token/)
})

test('a silent server is dropped after 2 heartbeats; SIGTERM mid-run rolls back, flushes and closes 1000', async () => {
  peers = []
  onPeer = []
  const first = nextPeer()
  const agent = startAgent('edge-2')
  const peer = await first
  await peer.next('hello')
  const t0 = Date.now()
  peer.send(welcome('edge-2', 300))
  // No pings: the agent must give up on this socket within 2 heartbeats (plus its 250 ms tick).
  const second = nextPeer()
  assert.equal(await peer.closed, 1006)
  const silentFor = Date.now() - t0
  assert.ok(silentFor >= 600 && silentFor < 600 + 4000, `dropped after ${silentFor} ms`)
  const again = await second
  const hello = await again.next('hello')
  assert.deepEqual(hello.runs, [])
  again.send(welcome('edge-2', 5000))
  const seqs = ackAll(again, 'long-peer-1')
  again.send({
    type: 'run',
    runId: 'long-peer-1',
    experiment: 'tiny',
    yaml: manifest('60s'),
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
  })
  await again.next('accepted')
  agent.child.kill('SIGTERM')
  await again.next('ended')
  assert.equal(await again.closed, 1000)
  const r = await agent.done
  assert.equal(r.exitCode, 0, r.stderr)
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i)
  )
  const events = again.frames.flatMap((f) => (f.type === 'events' ? f.events : []))
  const aborted = events.find((e) => e.type === 'run.aborted') as { reason?: string } | undefined
  assert.equal(aborted?.reason, 'SIGTERM received by the agent')
  assert.equal(events.at(-1)?.type, 'run.ended')
})

test('an agent killed mid-run: the run rolls back by itself; the restarted agent reports it from where the server acked', async () => {
  peers = []
  onPeer = []
  const first = nextPeer()
  const agent = startAgent('edge-3')
  const peer = await first
  await peer.next('hello')
  peer.send(welcome('edge-3', 5000))
  // The server stores events but its acks get lost: the agent must resend all of them.
  peer.send({
    type: 'run',
    runId: 'killed-peer-1',
    experiment: 'tiny',
    yaml: manifest('60s'),
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
  })
  await peer.next('accepted')
  await peer.next('events')
  agent.child.kill('SIGKILL')
  await agent.done

  const second = nextPeer()
  const again = startAgent('edge-3')
  const peer2 = await second
  const hello = await peer2.next('hello')
  assert.equal(hello.runs.length, 1)
  const report = hello.runs[0]!
  assert.equal(report.runId, 'killed-peer-1')
  assert.equal(report.ended, true)
  const seqs = ackAll(peer2, 'killed-peer-1')
  peer2.send({
    ...welcome('edge-3', 5000),
    resume: [{ runId: 'killed-peer-1', ackedSeq: -1, action: 'continue' }],
  } as ToAgent)
  await peer2.next('ended')
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i)
  )
  assert.equal(seqs.at(-1), report.lastSeq)
  const events = peer2.frames.flatMap((f) => (f.type === 'events' ? f.events : []))
  const aborted = events.filter((e) => e.type === 'run.aborted') as { reason?: string }[]
  assert.equal(aborted.length, 1)
  assert.equal(aborted[0]!.reason, 'the agent went away')
  assert.equal(events.at(-1)?.type, 'run.ended')
  again.child.kill('SIGTERM')
  assert.equal((await again.done).exitCode, 0)
})

test('a 401 on a reconnect after being connected rolls back the runs and exits 2 (review #14)', async () => {
  peers = []
  onPeer = []
  const first = nextPeer()
  const agent = startAgent('edge-5')
  const peer = await first
  await peer.next('hello')
  peer.send(welcome('edge-5', 5000))
  peer.send({
    type: 'run',
    runId: 'revoked-1',
    experiment: 'tiny',
    yaml: manifest('60s'),
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
  })
  await peer.next('accepted')
  // The token is revoked while the agent is cut off: it misses the 4001 close.
  refuseWith = { status: 401, message: 'Unauthorized' }
  try {
    peer.socket.terminate()
    const r = await agent.done
    assert.equal(r.exitCode, 2, r.stderr)
    assert.match(r.stderr, /run revoked-1: aborting: .*rejected the token \(401/)
    assert.match(r.stderr, /ordeal agent: .* rejected the token \(401[^\n]*\n$/)
    assert.doesNotMatch(r.stderr, /ord_agent_token/)
  } finally {
    refuseWith = undefined
  }
})

test('a second signal exits 130 at once', async () => {
  peers = []
  onPeer = []
  const first = nextPeer()
  const agent = startAgent('edge-4')
  const peer = await first
  await peer.next('hello')
  peer.send(welcome('edge-4', 5000))
  // Unacked, so the first signal's flush waits (up to 10 s) for acks that never come.
  peer.send({
    type: 'run',
    runId: 'twice-1',
    experiment: 'tiny',
    yaml: manifest('60s'),
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
  })
  await peer.next('accepted')
  // Signals do not queue: the second goes once the first is handled (it says so).
  const handled = new Promise<void>((resolve) =>
    agent.child.stderr!.on(
      'data',
      (d: Buffer) => d.toString().includes('SIGTERM: aborting') && resolve()
    )
  )
  agent.child.kill('SIGTERM')
  await handled
  agent.child.kill('SIGTERM')
  const r = await agent.done
  assert.equal(r.exitCode, 130)
  assert.match(r.stderr, /ordeal agent: second signal, exiting now\n$/)
})
