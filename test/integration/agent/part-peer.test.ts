/**
 * The agent's side of a multi-host part (part.ts), end to end with real processes but without
 * the Chaos Center's coordinator: the built `ordeal agent --allow-host-network` in a network
 * namespace of its own (a host made by ordeal's LocalNetwork, as test/support/fleet.ts does),
 * and this test playing the server with the `ws` library on the bridge's gateway: welcome,
 * run{part}, prepare, start, a fault with partition rules (iptables-save in the agent's
 * namespace shows the DROP rules while held and none after), a refused partition naming the
 * Chaos Center, a probe, stop; the journal streamed, the marks, `ended`. Then the same agent
 * without --allow-host-network: the exact refusal line. Needs root (namespaces, iptables) and
 * `npm run build`.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { WebSocketServer, type WebSocket } from 'ws'
import { spawnInHost, type AgentProcess } from '../../support/agent-process.js'
import { Ledger } from '../../../src/safety/ledger.js'
import { LocalNetwork } from '../../../src/platforms/local/network/local-network.js'
import type { Experiment } from '../../../src/experiment/model.js'
import type { HostPlan } from '../../../src/platforms/local/network/topology.js'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { walkSteps } from '../../../src/experiment/model.js'
import {
  AGENT_PATH,
  fromAgentSchema,
  parseFrame,
  type FromAgent,
  type ToAgent,
} from '../../../src/platforms/agent/protocol.js'
import type { PartCommand, PartReply } from '../../../src/platforms/agent/part.js'
import type { JournalEvent } from '../../../src/shared/api.js'

const WAIT_MS = 30_000
let dir: string
let network: LocalNetwork
let host: HostPlan
let gateway: string
let wss: WebSocketServer
let url: string
let onSocket: ((socket: WebSocket) => void) | undefined

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-part-peer-'))
  writeFileSync(path.join(dir, 'token'), 'ord_agent_token\n', { mode: 0o600 })
  const runId = `part-peer-${process.pid}-${Date.now().toString(36)}`
  const system = {
    services: [],
    attach: [],
    networks: [{ name: 'n' }],
    hosts: [{ name: 'a', networks: ['n'] }],
  }
  network = new LocalNetwork(system as unknown as Experiment['system'], {
    runId,
    ledger: new Ledger(runId, path.join(dir, 'ledgers')),
    deadline: Date.now() + 3_600_000,
  })
  await network.create({ system, root: { kind: 'serial', children: [] } } as unknown as Experiment)
  host = network.topology!.hosts[0]!
  gateway = network.topology!.networks[0]!.gateway
  wss = new WebSocketServer({ host: gateway, port: 0, path: AGENT_PATH })
  wss.on('connection', (socket) => onSocket?.(socket))
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  url = `http://${gateway}:${(wss.address() as { port: number }).port}`
})
after(async () => {
  wss?.close()
  await network?.remove()
  rmSync(dir, { recursive: true, force: true })
})

/** The server's side of one agent connection: frames awaited by predicate, commands by id. */
class Peer {
  readonly frames: FromAgent[] = []
  readonly events: JournalEvent[] = []
  readonly #waiters = new Set<() => void>()
  #ids = 0

  constructor(readonly socket: WebSocket) {
    // A silent server is a dead one to the agent (2 heartbeats + 1 s): ping as the server does.
    const pings = setInterval(() => this.send({ type: 'ping', id: 0, t0: Date.now() }), 300)
    socket.once('close', () => clearInterval(pings))
    socket.on('message', (data) => {
      const frame = parseFrame(fromAgentSchema, data.toString())
      assert.ok(frame, `invalid frame ${data.toString()}`)
      this.frames.push(frame)
      if (frame.type === 'hello') {
        this.send({
          type: 'welcome',
          proto: 1,
          name: frame.name!,
          heartbeatMs: 500,
          serverTime: Date.now(),
          resume: [],
        })
      } else if (frame.type === 'events') {
        this.events.push(...(frame.events as JournalEvent[]))
        this.send({ type: 'ack', runId: frame.runId, seq: frame.events.at(-1)!.seq })
      }
      this.#waiters.forEach((w) => w())
    })
  }

  send(frame: ToAgent): void {
    if (this.socket.readyState === this.socket.OPEN) {
      this.socket.send(JSON.stringify(frame))
    }
  }

  until<T>(find: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)
      const check = () => {
        const found = find()
        if (found !== undefined) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          resolve(found)
        }
      }
      this.#waiters.add(check)
      check()
    })
  }

  async command(runId: string, command: PartCommand): Promise<PartReply> {
    const id = this.#ids++
    this.send({ type: 'command', runId, id, command })
    return this.until(() => {
      const f = this.frames.find(
        (x) => x.type === 'reply' && x.runId === runId && x.reply.id === id
      )
      return f?.type === 'reply' ? f.reply : undefined
    }, `the reply to ${command.kind} (${id})`)
  }
}

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: part-peer }
spec:
  hypothesis: h
  deadline: 2m
  system:
    services:
      - name: db
        command: sleep
        args: ['600']
        ports: { pg: 5432 }
  probes:
    - name: db-known
      type: cmd
      mode: EOT
      command: 'test "{{services.db.host}}:{{services.db.ports.pg}}" = 198.18.0.9:5432'
  steps:
    - name: cut
      fault:
        type: process-pause
        target: { service: db }
        duration: 2s
`
const experiment = loadExperimentText(yaml, path.join(os.tmpdir(), 'part-peer.yaml'))
const faultStep = [...walkSteps(experiment.root)].find((s) => s.kind === 'fault')!.id
const probeId = experiment.root.probes[0]!.id
/** A peer in 198.18.0.0/15 no test uses: rules naming it drop nothing anyone needs. */
const PEER = '198.19.250.7'

function startAgent(name: string, extra: string[]): AgentProcess {
  return spawnInHost(
    host.namespace,
    'a',
    name,
    path.join(dir, name),
    [
      '--server',
      url,
      '--token-file',
      path.join(dir, 'token'),
      '--name',
      name,
      '--run-as',
      os.userInfo().username,
      '--state-dir',
      path.join(dir, name),
      ...extra,
    ],
    {
      logFile: path.join(dir, `${name}.log`),
      env: { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', HTTPS_PROXY: '' },
    }
  )
}

async function connect(
  name: string,
  extra: string[]
): Promise<{ agent: AgentProcess; peer: Peer }> {
  const socket = new Promise<WebSocket>((resolve) => (onSocket = resolve))
  const agent = startAgent(name, extra)
  const peer = new Peer(await socket)
  await peer.until(() => peer.frames.find((f) => f.type === 'hello'), 'hello')
  return { agent, peer }
}

/** Without `centerAddress`, the agent still knows the Chaos Center: its socket's peer. */
function placePart(peer: Peer, runId: string, centerAddress?: string): void {
  peer.send({
    type: 'run',
    runId,
    experiment: 'part-peer',
    yaml,
    vars: {},
    leaseMs: 30_000,
    startedBy: 'alice',
    part: { name: 'a', ...(centerAddress !== undefined ? { centerAddress } : {}) },
  })
}

const ownRules = (runId: string) =>
  (
    spawnSync('ip', ['netns', 'exec', host.namespace, 'iptables-save'], { encoding: 'utf8' })
      .stdout ?? ''
  )
    .split('\n')
    .filter((l) => l.includes(`ordeal:${runId}`))

test('a part on an agent with --allow-host-network: commands, host rules, journal and marks', async () => {
  const { agent, peer } = await connect('edge-a', ['--allow-host-network'])
  try {
    // A command for a run the agent does not hold.
    assert.deepEqual(await peer.command('nobody.a', { kind: 'stop' }), {
      id: 0,
      ok: false,
      error: 'no such part',
    })
    const runId = `pp${Date.now().toString(36)}.a`
    placePart(peer, runId) // the refusal below knows the gateway from the socket alone
    await peer.until(
      () => peer.frames.find((f) => f.type === 'accepted' && f.runId === runId),
      'accepted'
    )

    const prepared = await peer.command(runId, {
      kind: 'prepare',
      address: host.interfaces[0]!.address,
    })
    // db is no service of part a (the loader here knows no `agent:`): nothing of its own to start.
    assert.deepEqual(prepared, { id: 1, ok: true, value: { services: {} } })
    const remote = { db: { host: '198.18.0.9', ports: { pg: 5432 }, dataDir: '/x', replicas: [] } }
    assert.deepEqual(await peer.command(runId, { kind: 'start', remote }), {
      id: 2,
      ok: true,
      value: {},
    })

    // The partition, held 2 s: the rules are in the agent's namespace meanwhile, then gone.
    const rules = [
      { chain: 'OUTPUT' as const, peer: PEER },
      { chain: 'INPUT' as const, peer: PEER },
    ]
    const fault = peer.command(runId, { kind: 'fault', stepId: faultStep, rules })
    await peer.until(() => peer.events.find((e) => e.type === 'fault.injected'), 'fault.injected')
    // Resent while in flight (review 14b #4: the coordinator resends after a socket drop): ignored.
    const resend = () =>
      peer.send({
        type: 'command',
        runId,
        id: 3,
        command: { kind: 'fault', stepId: faultStep, rules },
      })
    resend()
    const held = ownRules(runId)
    assert.equal(held.length, 2, held.join('\n'))
    assert.ok(held.some((l) => l.startsWith(`-A OUTPUT -d ${PEER}/32`) && l.endsWith('-j DROP')))
    assert.ok(held.some((l) => l.startsWith(`-A INPUT -s ${PEER}/32`) && l.endsWith('-j DROP')))
    // The probe runs meanwhile (commands are concurrent), the remote service in its vars.
    const probe = await peer.command(runId, { kind: 'probe', probeId })
    assert.deepEqual(probe, {
      id: 4,
      ok: true,
      value: {
        passed: true,
        message: probe.ok ? (probe.value as { message: string }).message : '',
      },
    })
    assert.deepEqual(await fault, { id: 3, ok: true, value: {} })
    assert.deepEqual(ownRules(runId), [])
    // Resent once finished: the same reply again, nothing carried out twice.
    resend()
    const faultReplies = () =>
      peer.frames.filter((f) => f.type === 'reply' && f.runId === runId && f.reply.id === 3)
    await peer.until(() => faultReplies().length === 2 || undefined, 'the fault reply again')
    assert.deepEqual(faultReplies()[1], faultReplies()[0])
    assert.equal(peer.events.filter((e) => e.type === 'fault.injected').length, 1)

    // A rule naming the Chaos Center: refused, journaled, nothing added.
    const cut = await peer.command(runId, {
      kind: 'fault',
      stepId: faultStep,
      rules: [{ chain: 'OUTPUT', peer: gateway }],
    })
    const line = `the partition would cut agent edge-a off its Chaos Center (${gateway})`
    assert.deepEqual(cut, { id: 5, ok: false, error: line })
    assert.deepEqual(ownRules(runId), [])

    assert.deepEqual(await peer.command(runId, { kind: 'stop' }), { id: 6, ok: true, value: {} })
    await peer.until(
      () => peer.frames.find((f) => f.type === 'ended' && f.runId === runId),
      'ended'
    )

    // The journal: contiguous, injected/reverted with the step's ids, the refusal, run.ended last.
    const seqs = peer.events.map((e) => e.seq)
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i)
    )
    const injected = peer.events.find((e) => e.type === 'fault.injected')
    assert.ok(injected?.type === 'fault.injected' && injected.stepId === faultStep)
    assert.deepEqual(injected.targets, [PEER])
    assert.ok(
      peer.events.some((e) => e.type === 'fault.reverted' && e.faultId === injected.faultId)
    )
    assert.ok(peer.events.some((e) => e.type === 'fault.failed' && e.error === line))
    assert.equal(peer.events.at(-1)!.type, 'run.ended')

    // Marks: each after its events, never claiming past what was sent, and none
    // contradicted: every event stamped before a mark's t has a seq it covers.
    const marks = peer.frames.filter((f) => f.type === 'mark' && f.runId === runId)
    assert.ok(marks.length >= 5, `${marks.length} marks`)
    let sent = -1
    for (const f of peer.frames) {
      if (f.type === 'events' && f.runId === runId) {
        sent = f.events.at(-1)!.seq
      } else if (f.type === 'mark' && f.runId === runId) {
        assert.ok(f.seq <= sent, `mark ${f.seq} past the events sent (${sent})`)
        for (const e of peer.events) {
          assert.ok(
            !(e.t < f.t && e.seq > f.seq),
            `event ${e.seq} at ${e.t} before mark t ${f.t} (seq ${f.seq})`
          )
        }
      }
    }
  } finally {
    await agent.stop()
  }
})

test('without --allow-host-network a partition is refused with the exact line', async () => {
  const { agent, peer } = await connect('edge-b', [])
  try {
    const runId = `pq${Date.now().toString(36)}.a`
    placePart(peer, runId, gateway)
    await peer.until(
      () => peer.frames.find((f) => f.type === 'accepted' && f.runId === runId),
      'accepted'
    )
    await peer.command(runId, { kind: 'prepare', address: host.interfaces[0]!.address })
    await peer.command(runId, {
      kind: 'start',
      remote: { db: { host: '198.18.0.9', ports: { pg: 5432 } } },
    })
    const refused = await peer.command(runId, {
      kind: 'fault',
      stepId: faultStep,
      rules: [{ chain: 'OUTPUT', peer: PEER }],
    })
    const line =
      'agent edge-b refuses faults in its own network namespace (start it with --allow-host-network)'
    assert.deepEqual(refused, { id: 2, ok: false, error: line })
    assert.deepEqual(ownRules(runId), [])
    await peer.command(runId, { kind: 'stop' })
    await peer.until(
      () => peer.frames.find((f) => f.type === 'ended' && f.runId === runId),
      'ended'
    )
    assert.ok(peer.events.some((e) => e.type === 'fault.failed' && e.error === line))
  } finally {
    await agent.stop()
  }
})
