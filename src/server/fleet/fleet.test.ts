/**
 * The fleet over real sockets (Fastify + @fastify/websocket + a `ws` client), with the store's
 * queue methods and the recorder held in memory as the contracts describe them, and time on a
 * hand-driven clock: queue reasons, dispatch, accepted/rejected, events acked in order, the
 * finish on `run.ended`, a lease lapsing and the late report on resume, cancel, timeout,
 * revoke, a silent agent. The real store and the real agent are covered by
 * test/integration/fleet-*.test.ts and the e2e tests.
 */
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { after, beforeEach, describe, test } from 'node:test'
import WebSocket from 'ws'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.js'
import { hashSecret } from '../auth/secrets.js'
import { HttpError } from '../http/route.js'
import type { Recorder, RunBus, ServerContext, ServerMetrics } from '../context.js'
import type {
  AgentRecord,
  RunBundle,
  RunEnd,
  RunPartRecord,
  Store,
  TokenRecord,
} from '../store/contract.js'
import type { Experiment } from '../../experiment/model.js'
import type { RunResult } from '../../engine/result.js'
import type { CoordinateArgs, Coordination } from '../../platforms/agent/coordinator/link.js'
import type { JournalEvent, RunSummary, StreamMessage } from '../../shared/api.js'
import { AGENT_PATH, CLOSE, type FromAgent, type ToAgent } from '../../platforms/agent/protocol.js'
import { createFleet, type FleetServer } from './index.js'
import { LEASE_GRACE_MS, type Timers } from './leases.js'
import { agentConnectRoute } from './route.js'

const HEARTBEAT_MS = 200
const LEASE_MS = 1000
const QUEUE_MS = 60_000

/** Time moves only when a test says so; due timers fire in order. */
class ManualClock implements Timers {
  #now = Date.parse('2026-12-07T00:00:00Z')
  #next = 0
  readonly #due = new Map<number, { at: number; fn: () => void }>()
  now = () => this.#now
  set = (fn: () => void, ms: number) => {
    const id = this.#next++
    this.#due.set(id, { at: this.#now + ms, fn })
    return id
  }
  clear = (handle: unknown) => {
    this.#due.delete(handle as number)
  }
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      const first = [...this.#due].sort((a, b) => a[1].at - b[1].at)[0]
      if (first === undefined || first[1].at > until) {
        break
      }
      this.#due.delete(first[0])
      this.#now = first[1].at
      first[1].fn()
    }
    this.#now = until
  }
}

type Row = RunSummary & { lateReport?: boolean; events: Map<number, JournalEvent> }

/** The store methods the fleet calls, in memory, with the contract's WHERE clauses. */
function memoryStore(clock: ManualClock) {
  const runs = new Map<string, Row>()
  const agents = new Map<string, AgentRecord>()
  const tokens = new Map<string, TokenRecord>()
  const bundles = new Map<string, RunBundle>()
  const parts = new Map<string, RunPartRecord>()
  const summary = (row: Row): RunSummary => {
    const { lateReport: _late, events: _events, ...rest } = row
    return { ...rest }
  }
  const ended = (row: Row, end: RunEnd) => {
    row.status = end.status
    row.verdict = end.verdict
    row.score = end.score
    row.endedAt = end.endedAt
    if (end.reason !== undefined) {
      row.reason = end.reason
    }
    delete row.queueReason
  }
  const store = {
    kind: 'sqlite',
    async findToken(hash: string) {
      return tokens.get(hash)
    },
    async touchToken() {},
    async getRunSummary(id: string) {
      const row = runs.get(id)
      return row && summary(row)
    },
    async listRuns(query: { status?: string } = {}) {
      return [...runs.values()].filter((r) => r.status === query.status).map(summary)
    },
    async getExperimentVersion(id: string, version: number) {
      return { experimentId: id, version, yaml: `yaml of ${id} v${version}` }
    },
    async markDispatched(id: string, agent: string, reason: string) {
      const row = runs.get(id)
      if (row?.status !== 'queued') {
        return false
      }
      row.agent = agent
      row.queueReason = reason
      return true
    },
    async markRunning(id: string, agent: string, at: string) {
      const row = runs.get(id)
      if (row?.status !== 'queued') {
        return false
      }
      Object.assign(row, { status: 'running', source: 'agent', agent, dispatchedAt: at })
      delete row.queueReason
      return true
    },
    async requeue(id: string, reason: string) {
      const row = runs.get(id)
      if (row?.status !== 'queued') {
        return false
      }
      delete row.agent
      row.queueReason = reason
      return true
    },
    async setQueueReason(id: string, reason: string) {
      const row = runs.get(id)
      if (row?.status === 'queued') {
        row.queueReason = reason
      }
    },
    async endQueued(id: string, end: RunEnd) {
      const row = runs.get(id)
      if (row?.status !== 'queued') {
        return false
      }
      ended(row, end)
      return true
    },
    async contiguousSeq(id: string) {
      const events = runs.get(id)?.events ?? new Map()
      let seq = -1
      while (events.has(seq + 1)) {
        seq++
      }
      return seq
    },
    async markLateReport(id: string) {
      runs.get(id)!.lateReport = true
    },
    async isLateReport(id: string) {
      return runs.get(id)?.lateReport === true
    },
    async upsertAgent(record: AgentRecord) {
      agents.set(record.name, record)
    },
    async listAgents() {
      return [...agents.values()]
    },
    async agentNames() {
      return [...new Set([...[...tokens.values()].map((t) => t.name), ...agents.keys()])]
    },
    async getBundle(id: string) {
      return bundles.get(id)
    },
    async putRunPart(part: RunPartRecord) {
      parts.set(`${part.runId}/${part.logical}`, { ...part })
    },
    async listRunParts(id: string) {
      return [...parts.values()].filter((part) => part.runId === id)
    },
    async deleteBundle(id: string) {
      bundles.delete(id)
    },
  }
  const addRun = (id: string, placement: RunSummary['placement']): RunSummary => {
    const row: Row = {
      id,
      experimentId: 'exp_1',
      experimentName: 'exp',
      experimentVersion: 1,
      source: 'agent',
      status: 'queued',
      startedAt: new Date(clock.now()).toISOString(),
      startedBy: 'usr_1',
      startedByName: 'alice',
      leaseMs: LEASE_MS,
      ...(placement !== undefined ? { placement } : {}),
      events: new Map(),
    }
    runs.set(id, row)
    bundles.set(id, { vars: { GREETING: 'hi' }, data: 'QlVORExF' })
    return summary(row)
  }
  const addToken = (secret: string, name: string, id: string) => {
    tokens.set(hashSecret(secret), {
      id,
      name,
      role: 'agent',
      createdAt: new Date(0).toISOString(),
      lastUsedAt: new Date(clock.now()).toISOString(),
      hash: hashSecret(secret),
      oneTime: false,
      session: false,
      user: { id: 'usr_1', name: 'alice', role: 'owner', createdAt: new Date(0).toISOString() },
    } as TokenRecord)
  }
  return {
    store: store as unknown as Store,
    runs,
    bundles,
    agents,
    tokens,
    parts,
    addRun,
    addToken,
    ended,
  }
}

/** The recorder as the contract describes it, over the memory store's rows. */
function memoryRecorder(mem: ReturnType<typeof memoryStore>, clock: ManualClock, bus: RunBus) {
  const calls: string[] = []
  const store = (runId: string, events: readonly JournalEvent[]) => {
    for (const event of events) {
      mem.runs.get(runId)!.events.set(event.seq, event)
    }
  }
  const end = (runId: string, status: 'finished' | 'interrupted', reason?: string) => {
    const row = mem.runs.get(runId)!
    mem.ended(row, {
      status,
      verdict: status === 'finished' ? 'pass' : 'interrupted',
      score: status === 'finished' ? 100 : 0,
      endedAt: new Date(clock.now()).toISOString(),
      ...(reason !== undefined ? { reason } : {}),
    })
    const { events: _e, lateReport: _l, ...summary } = row
    bus.publish(runId, { event: 'status', data: summary })
    return summary
  }
  const recorder = {
    calls,
    async append(runId: string, events: readonly JournalEvent[]) {
      if (mem.runs.get(runId)?.status !== 'running') {
        throw new HttpError(409, 'conflict', `run ${runId} has ended`)
      }
      store(runId, events)
    },
    async appendLate(runId: string, events: readonly JournalEvent[]) {
      calls.push(`appendLate ${runId}`)
      store(runId, events)
    },
    watch() {},
    watchAgentRun(runId: string) {
      calls.push(`watchAgentRun ${runId}`)
    },
    releasedSeq: () => Infinity,
    async finish(runId: string) {
      calls.push(`finish ${runId}`)
      return end(runId, 'finished')
    },
    async finishLate(runId: string) {
      calls.push(`finishLate ${runId}`)
      mem.runs.get(runId)!.reason += "; the agent's report arrived late"
      const { events: _e, lateReport: _l, ...summary } = mem.runs.get(runId)!
      return summary
    },
    async interrupt(runId: string, reason: string) {
      calls.push(`interrupt ${runId}: ${reason}`)
      return end(runId, 'interrupted', reason)
    },
  }
  return recorder
}

/** A raw agent socket: frames in order, awaited by a predicate. */
class RawAgent {
  readonly frames: ToAgent[] = []
  readonly #arrived = new EventEmitter()
  readonly ws: WebSocket
  readonly closed: Promise<{ code: number }>

  constructor(url: string, secret: string) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + AGENT_PATH, {
      headers: { authorization: `Bearer ${secret}` },
    })
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ToAgent)
      this.#arrived.emit('frame')
    })
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve({ code })))
  }

  async open(hello: Partial<Extract<FromAgent, { type: 'hello' }>> = {}) {
    await once(this.ws, 'open')
    this.send({ ...helloFrame(), ...hello })
    return this.next((f) => f.type === 'welcome') as Promise<Extract<ToAgent, { type: 'welcome' }>>
  }

  send(frame: FromAgent): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** The first frame (not taken before) that matches; consumed. */
  async next(match: (frame: ToAgent) => boolean): Promise<ToAgent> {
    for (;;) {
      const index = this.frames.findIndex(match)
      if (index >= 0) {
        return this.frames.splice(index, 1)[0]!
      }
      await once(this.#arrived, 'frame')
    }
  }
}

const helloFrame = (): Extract<FromAgent, { type: 'hello' }> => ({
  type: 'hello',
  proto: 1,
  instance: `i-${Math.random()}`,
  version: '0.1.0',
  labels: { zone: 'eu' },
  hostname: 'h',
  addresses: ['198.18.0.7'],
  maxRuns: 1,
  features: ['parts'],
  runs: [],
})

const ev = (seq: number, type = 'wait.tick'): JournalEvent =>
  ({ seq, t: seq, type }) as unknown as JournalEvent

/** The coordinator as the fleet sees it (coordinate.ts is M3a's): started, aborted, ended by hand. */
class ScriptedCoordinator {
  readonly runs: CoordinateArgs[] = []
  readonly aborts: string[] = []
  readonly #arrived = new EventEmitter()
  #end: ((result: RunResult) => void) | undefined

  start(args: CoordinateArgs): Coordination {
    this.runs.push(args)
    this.#arrived.emit('start')
    return {
      abort: (kind, reason) => this.aborts.push(`${kind}: ${reason}`),
      result: new Promise((resolve) => (this.#end = resolve)),
    }
  }

  async started(): Promise<CoordinateArgs> {
    while (this.runs.length === 0) {
      await once(this.#arrived, 'start')
    }
    return this.runs[0]!
  }

  end(): void {
    this.#end!({ verdict: 'pass' } as unknown as RunResult)
  }
}

let clock: ManualClock
let coordinator: ScriptedCoordinator
let mem: ReturnType<typeof memoryStore>
let recorder: ReturnType<typeof memoryRecorder>
let fleet: FleetServer
let app: FastifyInstance
let url: string
let bus: RunBus
let metrics: ServerMetrics
const published = new EventEmitter()
const statuses: RunSummary[] = []
const ended: RunSummary[] = []

/** The first status published for the run that matches, now or later. */
async function status(runId: string, match: (run: RunSummary) => boolean): Promise<RunSummary> {
  for (;;) {
    const found = statuses.find((s) => s.id === runId && match(s))
    if (found !== undefined) {
      return found
    }
    await once(published, 'status')
  }
}

async function start() {
  clock = new ManualClock()
  coordinator = new ScriptedCoordinator()
  mem = memoryStore(clock)
  statuses.length = 0
  ended.length = 0
  bus = {
    publish(_runId: string, message: StreamMessage) {
      if (message.event === 'status') {
        statuses.push(message.data)
        published.emit('status')
      }
    },
    subscribe: () => () => undefined,
  }
  recorder = memoryRecorder(mem, clock, bus)
  metrics = { runEnded: (run: RunSummary) => ended.push(run) } as unknown as ServerMetrics
  await boot()
  mem.addToken('ordl_tok_edge1', 'edge-1', 'tok_1')
}

/** A fleet and its route over the current store and clock (a server start, or a restart). */
async function boot() {
  fleet = createFleet({
    store: mem.store,
    recorder: recorder as unknown as Recorder,
    bus,
    metrics,
    log: () => undefined,
    settings: { heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS, queueTimeoutMs: QUEUE_MS },
    timers: clock,
    coordinate: (args) => coordinator.start(args),
    loadExperiment: async ({ vars }) => {
      if (vars['BAD'] !== undefined) {
        throw new Error('spec.system.hosts: not supported on several hosts')
      }
      return { name: 'exp' } as unknown as Experiment
    },
  })
  await fleet.start()
  const ctx = { store: mem.store, fleet, recorder, bus, metrics, log: () => undefined }
  app = buildApp(ctx as unknown as ServerContext, [agentConnectRoute])
  url = await app.listen({ host: '127.0.0.1', port: 0 })
}

async function stop() {
  await fleet.shutdown()
  await app.close()
}

describe('the fleet', () => {
  beforeEach(async () => {
    if (app !== undefined) {
      await stop()
    }
    await start()
  })
  after(stop)

  test('queued with a reason, dispatched on hello, accepted, events acked, finished', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const waiting = await status('r1', (s) => s.queueReason !== undefined)
    assert.equal(waiting.queueReason, 'no agent named edge-1 is connected (never connected)')

    const agent = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await agent.open()
    assert.deepEqual(welcome.resume, [])
    assert.equal(welcome.heartbeatMs, HEARTBEAT_MS)
    const sent = await agent.next((f) => f.type === 'run')
    assert.deepEqual(sent, {
      type: 'run',
      runId: 'r1',
      experiment: 'exp',
      yaml: 'yaml of exp_1 v1',
      vars: { GREETING: 'hi' },
      bundle: 'QlVORExF',
      leaseMs: LEASE_MS,
      startedBy: 'alice',
    })
    assert.equal(mem.runs.get('r1')!.agent, 'edge-1')

    agent.send({ type: 'accepted', runId: 'r1' })
    agent.send({ type: 'events', runId: 'r1', events: [ev(0), ev(1)] })
    agent.send({ type: 'events', runId: 'r1', events: [ev(2)] })
    assert.deepEqual(await agent.next((f) => f.type === 'ack'), {
      type: 'ack',
      runId: 'r1',
      seq: 1,
    })
    assert.deepEqual(await agent.next((f) => f.type === 'ack'), {
      type: 'ack',
      runId: 'r1',
      seq: 2,
    })
    assert.equal((await status('r1', (s) => s.status === 'running')).agent, 'edge-1')
    assert.ok(recorder.calls.includes('watchAgentRun r1'))

    // A second run for the same agent waits: it holds one slot.
    const second = mem.addRun('r2', { labels: { zone: 'eu' } })
    fleet.place(
      second,
      { labels: { zone: 'eu' } },
      { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) }
    )
    assert.equal(
      (await status('r2', (s) => s.queueReason !== undefined)).queueReason,
      'every connected agent with labels zone=eu is busy'
    )

    agent.send({ type: 'events', runId: 'r1', events: [ev(3, 'run.ended')] })
    assert.equal(((await agent.next((f) => f.type === 'ack')) as { seq: number }).seq, 3)
    assert.equal((await status('r1', (s) => s.status === 'finished')).verdict, 'pass')
    assert.equal(mem.bundles.has('r1'), false)
    agent.send({ type: 'ended', runId: 'r1' })
    // The slot is free: the labelled run goes to the same agent.
    assert.equal(((await agent.next((f) => f.type === 'run')) as { runId: string }).runId, 'r2')
    agent.send({ type: 'rejected', runId: 'r2', reason: 'manifest: bad' })
    const rejected = await status('r2', (s) => s.status === 'finished')
    assert.equal(rejected.verdict, 'error')
    assert.equal(rejected.reason, 'agent edge-1 could not start the run: manifest: bad')
    assert.deepEqual(
      ended.map((r) => r.id),
      ['r2']
    )
    // Events of a run that is not this agent's: 403.
    agent.send({ type: 'events', runId: 'r9', events: [ev(0)] })
    assert.deepEqual(await agent.next((f) => f.type === 'nack'), {
      type: 'nack',
      runId: 'r9',
      status: 403,
      message: 'run r9 is not placed on agent edge-1',
    })
    const [info] = await fleet.list()
    assert.equal(info?.name, 'edge-1')
    assert.equal(info?.connected, true)
    assert.deepEqual(info?.labels, { zone: 'eu' })
  })

  test('a lost agent: the lease lapses, the run is interrupted, its late report is taken', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    agent.send({ type: 'events', runId: 'r1', events: [ev(0), ev(1)] })
    await agent.next((f) => f.type === 'ack')
    agent.ws.terminate()
    await agent.closed
    await until(() => fleet.connectedCount() === 0)
    assert.equal(mem.runs.get('r1')!.status, 'running')
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    const interrupted = await status('r1', (s) => s.status === 'interrupted')
    assert.equal(
      interrupted.reason,
      'agent edge-1 was lost for 1s (lease): it rolls its faults back by itself and reports when it reconnects'
    )
    await until(async () => mem.runs.get('r1')!.lateReport === true)

    const back = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await back.open({ runs: [{ runId: 'r1', lastSeq: 4, ended: true }] })
    assert.deepEqual(welcome.resume, [{ runId: 'r1', ackedSeq: 1, action: 'continue' }])
    back.send({ type: 'events', runId: 'r1', events: [ev(2), ev(3), ev(4, 'run.ended')] })
    assert.equal(((await back.next((f) => f.type === 'ack')) as { seq: number }).seq, 4)
    await until(() => recorder.calls.includes('finishLate r1'))
    assert.ok(recorder.calls.includes('appendLate r1'))
  })

  test('a reconnect inside the lease continues the run; a run it no longer holds is interrupted', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const first = new RawAgent(url, 'ordl_tok_edge1')
    await first.open()
    await first.next((f) => f.type === 'run')
    first.send({ type: 'accepted', runId: 'r1' })
    first.send({ type: 'events', runId: 'r1', events: [ev(0)] })
    await first.next((f) => f.type === 'ack')
    first.ws.terminate()
    await until(() => fleet.connectedCount() === 0)
    clock.advance(LEASE_MS) // inside lease + grace
    const back = new RawAgent(url, 'ordl_tok_edge1')
    const resumed = await back.open({ runs: [{ runId: 'r1', lastSeq: 3, ended: false }] })
    assert.deepEqual(resumed.resume, [{ runId: 'r1', ackedSeq: 0, action: 'continue' }])
    back.send({ type: 'events', runId: 'r1', events: [ev(1), ev(2), ev(3)] })
    assert.equal(((await back.next((f) => f.type === 'ack')) as { seq: number }).seq, 3)
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    assert.equal(mem.runs.get('r1')!.status, 'running')
    // A new process of the same name, without the run's state: it replaces the other (4002).
    const second = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await second.open()
    assert.deepEqual(welcome.resume, [])
    assert.equal((await back.closed).code, CLOSE.replaced)
    const interrupted = await status('r1', (s) => s.status === 'interrupted')
    assert.equal(interrupted.reason, "agent edge-1 restarted without this run's state")
    // Nothing lapses later: the run was settled by the resume, not left to a lease.
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    assert.equal(recorder.calls.filter((c) => c.startsWith('interrupt')).length, 1)
  })

  test('cancel while queued, and the queue timeout', async () => {
    const a = mem.addRun('r1', { agent: 'edge-9' })
    fleet.place(a, { agent: 'edge-9' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    assert.equal(await fleet.abort('r1', 'aborted by bob'), true)
    const cancelled = await status('r1', (s) => s.status === 'cancelled')
    assert.equal(cancelled.verdict, 'interrupted')
    assert.equal(cancelled.reason, 'cancelled by bob while queued')
    assert.equal(await fleet.abort('r1', 'aborted by bob'), false)

    const b = mem.addRun('r2', { agent: 'edge-9' })
    fleet.place(b, { agent: 'edge-9' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    clock.advance(QUEUE_MS)
    const timedOut = await status('r2', (s) => s.status === 'finished')
    assert.equal(timedOut.verdict, 'error')
    assert.equal(
      timedOut.reason,
      'not started: no agent named edge-9 was connected and free within 1m (queue timeout)'
    )
    assert.deepEqual(
      ended.map((r) => r.id),
      ['r1', 'r2']
    )
  })

  test('revoke: bye 4001 at once and the agent’s runs interrupted with who revoked it', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    fleet.revoke({ tokenId: 'tok_1' }, 'alice')
    const bye = await agent.next((f) => f.type === 'bye')
    assert.deepEqual(bye, {
      type: 'bye',
      code: CLOSE.revoked,
      reason: "agent edge-1's token was revoked by alice",
    })
    assert.equal((await agent.closed).code, CLOSE.revoked)
    assert.equal(
      (await status('r1', (s) => s.status === 'interrupted')).reason,
      "agent edge-1's token was revoked by alice"
    )
  })

  test('shutdown says goodbye (1001) and leaves the runs to the agents', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    await fleet.shutdown()
    assert.equal(((await agent.next((f) => f.type === 'bye')) as { code: number }).code, 1001)
    assert.equal((await agent.closed).code, CLOSE.goingAway)
    clock.advance(10 * (LEASE_MS + LEASE_GRACE_MS))
    assert.equal(mem.runs.get('r1')!.status, 'running')
  })

  test('protocol errors: 4003 for another protocol, 4004 for another name, 4000 otherwise', async () => {
    const other = new RawAgent(url, 'ordl_tok_edge1')
    await once(other.ws, 'open')
    other.ws.send(JSON.stringify({ ...helloFrame(), proto: 2 }))
    assert.deepEqual(await other.next((f) => f.type === 'bye'), {
      type: 'bye',
      code: CLOSE.unsupported,
      reason: 'agent protocol 2, server speaks 1',
    })
    assert.equal((await other.closed).code, CLOSE.unsupported)

    const named = new RawAgent(url, 'ordl_tok_edge1')
    await once(named.ws, 'open')
    named.ws.send(JSON.stringify({ ...helloFrame(), name: 'edge-2' }))
    assert.equal(
      ((await named.next((f) => f.type === 'bye')) as { reason: string }).reason,
      'the token is for agent edge-1, not edge-2'
    )
    assert.equal((await named.closed).code, CLOSE.wrongName)

    const garbled = new RawAgent(url, 'ordl_tok_edge1')
    await once(garbled.ws, 'open')
    garbled.ws.send('{"type":"hello"')
    assert.equal((await garbled.closed).code, CLOSE.protocol)

    const early = new RawAgent(url, 'ordl_tok_edge1')
    await once(early.ws, 'open')
    early.send({ type: 'accepted', runId: 'r1' })
    assert.equal((await early.closed).code, CLOSE.protocol)

    const mute = new RawAgent(url, 'ordl_tok_edge1')
    await once(mute.ws, 'open')
    await until(() => true)
    clock.advance(10_000)
    assert.equal((await mute.closed).code, CLOSE.protocol)
    assert.equal(fleet.connectedCount(), 0)
  })

  test('a silent agent is dropped past 2 heartbeats; its pongs feed the clock', async () => {
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await until(() => fleet.connectedCount() === 1)
    clock.advance(HEARTBEAT_MS)
    const ping = (await agent.next((f) => f.type === 'ping')) as { id: number; t0: number }
    // The agent's clock is 5 s ahead; the round trip (on the frozen clock) is 0.
    agent.send({ type: 'pong', id: ping.id, t1: ping.t0 + 5000, t2: ping.t0 + 5000 })
    await until(async () => (await fleet.list())[0]?.clock !== undefined)
    assert.deepEqual((await fleet.list())[0]?.clock, { offsetMs: 5000, errorMs: 0, rttMs: 0 })
    clock.advance(2 * HEARTBEAT_MS + 1)
    assert.equal((await agent.closed).code, 1006)
    assert.equal(fleet.connectedCount(), 0)
  })
  // Review of issue 14: every queued/dispatched/running run ends on every path.

  test('#2: a run requeued when its agent dropped and reported by its hello is taken, never sent again', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const first = new RawAgent(url, 'ordl_tok_edge1')
    await first.open()
    await first.next((f) => f.type === 'run')
    first.ws.terminate() // before its `accepted` got through
    await until(() => mem.runs.get('r1')!.agent === undefined)
    assert.equal(mem.runs.get('r1')!.status, 'queued')

    const back = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await back.open({ runs: [{ runId: 'r1', lastSeq: 0, ended: false }] })
    assert.deepEqual(welcome.resume, [{ runId: 'r1', ackedSeq: -1, action: 'continue' }])
    assert.equal((await status('r1', (s) => s.status === 'running')).agent, 'edge-1')
    back.send({ type: 'events', runId: 'r1', events: [ev(0), ev(1, 'run.ended')] })
    assert.equal(((await back.next((f) => f.type === 'ack')) as { seq: number }).seq, 1)
    await status('r1', (s) => s.status === 'finished')
    assert.equal(back.frames.filter((f) => f.type === 'run').length, 0, 'never sent again')
  })

  test('#3: a run resumed as accepted that the agent then rejects ends with its reason', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const first = new RawAgent(url, 'ordl_tok_edge1')
    await first.open()
    await first.next((f) => f.type === 'run')
    first.ws.terminate()
    await until(() => mem.runs.get('r1')!.agent === undefined)
    const back = new RawAgent(url, 'ordl_tok_edge1')
    await back.open({ runs: [{ runId: 'r1', lastSeq: -1, ended: false }] })
    await status('r1', (s) => s.status === 'running')
    back.send({ type: 'rejected', runId: 'r1', reason: 'preflight: no such interface' })
    const end = await status('r1', (s) => s.status === 'interrupted')
    assert.equal(end.reason, 'agent edge-1 could not start the run: preflight: no such interface')
  })

  test('#4: abort ends a run the fleet does not hold, queued or running', async () => {
    const queued = mem.addRun('r1', { agent: 'edge-1' }) // a row whose place() never ran
    const running = mem.addRun('r2', { agent: 'edge-1' })
    Object.assign(mem.runs.get('r2')!, { status: 'running', agent: 'edge-1' })
    assert.equal(queued.status, 'queued')
    assert.equal(await fleet.abort('r1', 'cancelled by bob while queued'), true)
    const cancelled = await status('r1', (s) => s.status === 'cancelled')
    assert.equal(cancelled.reason, 'cancelled by bob while queued')
    assert.equal(await fleet.abort(running.id, 'aborted by bob'), true)
    const interrupted = await status('r2', (s) => s.status === 'interrupted')
    assert.equal(interrupted.reason, 'aborted by bob; no agent held the run')
    assert.equal(await fleet.abort('r2', 'aborted by bob'), false, 'ended: nothing to abort')
  })

  test('#4: an abort the agent does not answer ends the run after lease + grace', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    assert.equal(await fleet.abort('r1', 'aborted by bob'), true)
    assert.equal(((await agent.next((f) => f.type === 'abort')) as { runId: string }).runId, 'r1')
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    const end = await status('r1', (s) => s.status === 'interrupted')
    assert.equal(end.reason, "aborted by bob; agent edge-1 did not report the run's end within 6s")
  })

  test('#6: a 409 nack for a run the server holds ends the run on the server too', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    const conflict = 'run r1: seq 0 was already sent with different content; the first copy is kept'
    recorder.append = async () => {
      throw new HttpError(409, 'conflict', conflict)
    }
    agent.send({ type: 'events', runId: 'r1', events: [ev(0)] })
    assert.equal(((await agent.next((f) => f.type === 'nack')) as { status: number }).status, 409)
    const end = await status('r1', (s) => s.status === 'interrupted')
    assert.equal(end.reason, `agent edge-1's report was refused: ${conflict}`)
  })

  test('#7: a failed finish keeps the run tracked and is retried until it is stored', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    const finish = recorder.finish
    let failures = 0
    recorder.finish = async (runId: string) => {
      if (failures++ === 0) {
        throw new Error('SQLITE_BUSY: database is locked')
      }
      return finish(runId)
    }
    agent.send({ type: 'events', runId: 'r1', events: [ev(0, 'run.ended')] })
    await agent.next((f) => f.type === 'ack')
    agent.send({ type: 'ended', runId: 'r1' })
    await until(() => failures === 1)
    assert.equal(mem.runs.get('r1')!.status, 'running')
    clock.advance(1000)
    assert.equal((await status('r1', (s) => s.status === 'finished')).verdict, 'pass')
  })

  test('#8: a sent run the agent never answers is taken back at its accept deadline', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(10 * 60_000) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    clock.advance(60_000)
    assert.deepEqual(await agent.next((f) => f.type === 'abort'), {
      type: 'abort',
      runId: 'r1',
      reason: 'agent edge-1 did not answer within 60 s; the run goes to another agent',
    })
    await status('r1', (s) => /did not answer within 60 s/.test(s.queueReason ?? ''))
    assert.equal(mem.runs.get('r1')!.status, 'queued')
  })

  test('a run the agent answers busy waits for a free slot and is sent again, never ended', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    // A one-slot agent whose last run process is still exiting after its run.ended.
    agent.send({ type: 'rejected', runId: 'r1', reason: 'agent busy (1 of 1 runs)', busy: true })
    assert.match(
      (await status('r1', (s) => /is busy/.test(s.queueReason ?? ''))).queueReason ?? '',
      /^agent edge-1 is busy \(agent busy \(1 of 1 runs\)\); waiting for a free slot$/
    )
    assert.equal(((await agent.next((f) => f.type === 'run')) as { runId: string }).runId, 'r1')
    assert.equal(mem.runs.get('r1')!.status, 'queued')
    agent.send({ type: 'accepted', runId: 'r1' })
    assert.equal((await status('r1', (s) => s.status === 'running')).agent, 'edge-1')
  })

  test('#10: after a restart a queued run keeps its own queue deadline', async () => {
    const run = mem.addRun('r1', { agent: 'edge-9' })
    mem.runs.get('r1')!.queueDeadline = iso(5000)
    assert.equal(run.status, 'queued')
    await stop()
    await boot()
    clock.advance(5000)
    await until(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      return mem.runs.get('r1')!.status !== 'queued'
    })
    assert.equal(mem.runs.get('r1')!.verdict, 'error')
  })

  test('#18: after a restart a dispatched run waits for its agent’s hello, not another agent', async () => {
    mem.addToken('ordl_tok_edge2', 'edge-2', 'tok_2')
    mem.addRun('r1', { labels: { zone: 'eu' } })
    Object.assign(mem.runs.get('r1')!, { agent: 'edge-1', queueReason: 'sent to edge-1' })
    await stop()
    await boot()
    const other = new RawAgent(url, 'ordl_tok_edge2')
    await other.open()
    const own = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await own.open({ runs: [{ runId: 'r1', lastSeq: -1, ended: false }] })
    assert.deepEqual(welcome.resume, [{ runId: 'r1', ackedSeq: -1, action: 'continue' }])
    assert.equal((await status('r1', (s) => s.status === 'running')).agent, 'edge-1')
    clock.advance(2 * HEARTBEAT_MS)
    assert.equal(other.frames.filter((f) => f.type === 'run').length, 0)
  })

  test('#15: the late flag is set before the lease interrupts the run', async () => {
    const run = mem.addRun('r1', { agent: 'edge-1' })
    fleet.place(run, { agent: 'edge-1' }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const agent = new RawAgent(url, 'ordl_tok_edge1')
    await agent.open()
    await agent.next((f) => f.type === 'run')
    agent.send({ type: 'accepted', runId: 'r1' })
    await status('r1', (s) => s.status === 'running')
    agent.ws.terminate()
    await until(() => fleet.connectedCount() === 0)
    const interrupt = recorder.interrupt
    let lateAtInterrupt: boolean | undefined
    recorder.interrupt = async (runId: string, reason: string) => {
      lateAtInterrupt = mem.runs.get(runId)!.lateReport === true
      return interrupt(runId, reason)
    }
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    await status('r1', (s) => s.status === 'interrupted')
    assert.equal(lateAtInterrupt, true)
  })
})

describe('multi-host runs: parts', () => {
  beforeEach(async () => {
    if (app !== undefined) {
      await stop()
    }
    await start()
    mem.addToken('ordl_tok_edge2', 'edge-2', 'tok_2')
  })
  after(stop)

  const PARTS = { a: 'edge-1', b: 'edge-2' }
  type RunFrame = Extract<ToAgent, { type: 'run' }>
  type CommandFrame = Extract<ToAgent, { type: 'command' }>

  /** Both agents connected, the run placed, both parts sent and accepted. */
  async function started(runId: string) {
    const { a, b, runA, runB } = await sent(runId)
    a.send({ type: 'accepted', runId: runA.runId })
    b.send({ type: 'accepted', runId: runB.runId })
    const args = await coordinator.started()
    return { a, b, runA, runB, args }
  }

  test('dispatched to every agent at once, accepted, then the coordinator has the parts', async () => {
    const run = mem.addRun('m1', { parts: PARTS })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open()
    assert.equal(
      (await status('m1', (s) => s.queueReason?.includes('edge-2') === true)).queueReason,
      'agent edge-2 (b) is not connected (never connected)'
    )
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    const runA = (await a.next((f) => f.type === 'run')) as RunFrame
    const runB = (await b.next((f) => f.type === 'run')) as RunFrame
    assert.deepEqual(runA, {
      type: 'run',
      runId: 'm1.a',
      experiment: 'exp',
      yaml: 'yaml of exp_1 v1',
      vars: { GREETING: 'hi' },
      bundle: 'QlVORExF',
      leaseMs: LEASE_MS,
      startedBy: 'alice',
      part: { name: 'a', centerAddress: '127.0.0.1' },
    })
    assert.equal(runB.runId, 'm1.b')
    assert.deepEqual(runB.part, { name: 'b', centerAddress: '127.0.0.1' })
    assert.equal(mem.runs.get('m1')!.agent, 'edge-1, edge-2')
    assert.deepEqual(
      (await mem.store.listRunParts('m1')).map((p) => `${p.logical} ${p.agent} ${p.status}`),
      ['a edge-1 dispatched', 'b edge-2 dispatched']
    )
    a.send({ type: 'accepted', runId: 'm1.a' })
    await until(async () => (await mem.store.listRunParts('m1'))[0]!.status === 'running')
    assert.equal(mem.runs.get('m1')!.status, 'queued', 'not running until every part is')
    assert.equal(coordinator.runs.length, 0)
    b.send({ type: 'accepted', runId: 'm1.b' })
    const args = await coordinator.started()
    assert.equal(args.runId, 'm1')
    assert.deepEqual(
      args.parts.map((p) => [p.logical, p.agent, p.address]),
      [
        ['a', 'edge-1', '127.0.0.1'],
        ['b', 'edge-2', '127.0.0.1'],
      ]
    )
    const running = await status('m1', (s) => s.status === 'running')
    assert.equal(running.agent, 'edge-1, edge-2')
    assert.ok(recorder.calls.includes('watchAgentRun m1'))
    assert.deepEqual(
      (await fleet.list()).map((agent) => agent.runs),
      [['m1'], ['m1']],
      'GET /api/agents names the run, not its part'
    )
  })

  test('commands out, replies back by id; marks and events to the link, not the recorder', async () => {
    const { a, b, args } = await started('m2')
    const [partA, partB] = args.parts
    const first = partA!.command({ kind: 'prepare', address: '198.18.0.1' })
    const second = partA!.command({ kind: 'probe', probeId: 'p1' })
    const c1 = (await a.next((f) => f.type === 'command')) as CommandFrame
    const c2 = (await a.next((f) => f.type === 'command')) as CommandFrame
    assert.deepEqual(c1, {
      type: 'command',
      runId: 'm2.a',
      id: 0,
      command: { kind: 'prepare', address: '198.18.0.1' },
    })
    assert.equal(c2.id, 1)
    // Answered out of order: each goes to its own command.
    a.send({ type: 'reply', runId: 'm2.a', reply: { id: 1, ok: true, value: { passed: true } } })
    a.send({ type: 'reply', runId: 'm2.a', reply: { id: 0, ok: true, value: { services: {} } } })
    assert.deepEqual(await second, { passed: true })
    assert.deepEqual(await first, { services: {} })
    const failing = partB!.command({ kind: 'stop' })
    const c3 = (await b.next((f) => f.type === 'command')) as CommandFrame
    b.send({ type: 'reply', runId: 'm2.b', reply: { id: c3.id, ok: false, error: 'no iptables' } })
    await assert.rejects(failing, /no iptables/)

    const marks: { seq: number; t: number }[] = []
    partA!.onMark((mark) => marks.push(mark))
    a.send({ type: 'mark', runId: 'm2.a', seq: -1, t: 5 })
    const batches: number[][] = []
    partA!.onEvents((events) => batches.push(events.map((e) => e.seq)))
    a.send({ type: 'events', runId: 'm2.a', events: [ev(0), ev(1)] })
    assert.deepEqual(await a.next((f) => f.type === 'ack'), { type: 'ack', runId: 'm2.a', seq: 1 })
    // A resent seq is not delivered twice.
    a.send({ type: 'events', runId: 'm2.a', events: [ev(1), ev(2)] })
    assert.deepEqual(await a.next((f) => f.type === 'ack'), { type: 'ack', runId: 'm2.a', seq: 2 })
    assert.deepEqual(batches, [[0, 1], [2]])
    await until(() => marks.length === 1)
    assert.deepEqual(marks, [{ seq: -1, t: 5 }])
    assert.equal(mem.runs.get('m2.a'), undefined)
    assert.equal(mem.runs.get('m2')!.events.size, 0, 'the part events are not the run journal')

    // The coordinator's merged events are the run's; its result finishes the run.
    args.onEvent(ev(0))
    args.onEvent(ev(1, 'run.ended'))
    a.send({ type: 'events', runId: 'm2.a', events: [ev(3, 'run.ended')] })
    b.send({ type: 'events', runId: 'm2.b', events: [ev(0, 'run.ended')] })
    await partA!.ended
    await partB!.ended
    coordinator.end()
    assert.equal((await status('m2', (s) => s.status === 'finished')).verdict, 'pass')
    assert.deepEqual([...mem.runs.get('m2')!.events.keys()], [0, 1])
    assert.deepEqual(
      (await mem.store.listRunParts('m2')).map((p) => `${p.logical} ${p.status} ${p.lastSeq}`),
      ['a ended 3', 'b ended 0']
    )
    // Both slots are free again.
    await until(async () => (await fleet.list()).every((agent) => agent.runs.length === 0))
  })

  test('a part rejected before the run starts ends it with the line; the other is aborted', async () => {
    const run = mem.addRun('m3', { parts: PARTS })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open()
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    await a.next((f) => f.type === 'run')
    await b.next((f) => f.type === 'run')
    a.send({ type: 'accepted', runId: 'm3.a' })
    await until(async () => (await mem.store.listRunParts('m3'))[0]!.status === 'running')
    b.send({ type: 'rejected', runId: 'm3.b', reason: 'preflight: no iptables' })
    const ended = await status('m3', (s) => s.status === 'finished')
    assert.equal(ended.verdict, 'error')
    assert.equal(ended.reason, 'agent edge-2 (b) rejected its part: preflight: no iptables')
    const abort = await a.next((f) => f.type === 'abort')
    assert.equal((abort as { runId: string }).runId, 'm3.a')
    assert.equal(coordinator.runs.length, 0)
    const parts = await mem.store.listRunParts('m3')
    assert.equal(parts[1]!.status, 'lost')
    assert.equal(parts[1]!.reason, 'preflight: no iptables')
  })

  test('a manifest the server cannot load ends the run before any part goes out', async () => {
    const run = mem.addRun('m7', { parts: PARTS })
    mem.bundles.set('m7', { vars: { BAD: '1' } })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open()
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    const ended = await status('m7', (s) => s.status === 'finished')
    assert.equal(ended.verdict, 'error')
    assert.equal(
      ended.reason,
      'the manifest cannot run on several hosts: spec.system.hosts: not supported on several hosts'
    )
    assert.equal(a.frames.filter((f) => f.type === 'run').length, 0)
    await until(async () => (await fleet.list()).every((agent) => agent.runs.length === 0))
  })

  test('an agent lost past its lease: its part is lost with the reason', async () => {
    const { b, args } = await started('m4')
    const partB = args.parts[1]!
    b.ws.terminate()
    await until(() => fleet.connectedCount() === 1)
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    assert.equal(
      await partB.lost,
      'agent edge-2 (b) was lost for 1s (lease): it rolls its part back by itself'
    )
    await assert.rejects(partB.command({ kind: 'stop' }), /was lost for 1s/)
    assert.equal(mem.runs.get('m4')!.status, 'running', 'the coordinator ends the run')
    await until(async () => (await mem.store.listRunParts('m4'))[1]!.status === 'lost')
  })

  test('an agent back within its lease resumes its part from what was delivered', async () => {
    const { a, args } = await started('m8')
    const partA = args.parts[0]!
    const batches: number[][] = []
    partA.onEvents((events) => batches.push(events.map((e) => e.seq)))
    a.send({ type: 'events', runId: 'm8.a', events: [ev(0), ev(1)] })
    await a.next((f) => f.type === 'ack')
    a.ws.terminate()
    await until(() => fleet.connectedCount() === 1)
    clock.advance(LEASE_MS) // inside lease + grace
    const back = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await back.open({ runs: [{ runId: 'm8.a', lastSeq: 3, ended: false }] })
    assert.deepEqual(welcome.resume, [{ runId: 'm8.a', ackedSeq: 1, action: 'continue' }])
    back.send({ type: 'events', runId: 'm8.a', events: [ev(1), ev(2), ev(3)] })
    assert.deepEqual(await back.next((f) => f.type === 'ack'), {
      type: 'ack',
      runId: 'm8.a',
      seq: 3,
    })
    assert.deepEqual(batches, [
      [0, 1],
      [2, 3],
    ])
    const reply = partA.command({ kind: 'stop' })
    const command = (await back.next((f) => f.type === 'command')) as CommandFrame
    back.send({ type: 'reply', runId: 'm8.a', reply: { id: command.id, ok: true, value: {} } })
    assert.deepEqual(await reply, {})
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    const settled = await Promise.race([partA.lost, new Promise((r) => setTimeout(r, 50, 'no'))])
    assert.equal(settled, 'no', 'the resumed part is not lost to its old lease')
  })

  test('a revoked agent loses its part with who revoked it', async () => {
    const { args } = await started('m9')
    fleet.revoke({ tokenId: 'tok_2' }, 'alice')
    assert.equal(await args.parts[1]!.lost, "agent edge-2's token was revoked by alice")
    assert.equal(mem.runs.get('m9')!.status, 'running', 'the coordinator ends the run')
  })

  test('a part that never ends after the run ended is lost and frees its slot', async () => {
    const { a, b, args } = await started('m10')
    a.send({ type: 'events', runId: 'm10.a', events: [ev(0, 'run.ended')] })
    await args.parts[0]!.ended
    coordinator.end()
    await status('m10', (s) => s.status === 'finished')
    await until(() => !mem.bundles.has('m10'))
    clock.advance(LEASE_MS + LEASE_GRACE_MS)
    assert.equal(
      await args.parts[1]!.lost,
      "agent edge-2 (b) did not end its part within 6s of the run's end"
    )
    assert.equal(((await b.next((f) => f.type === 'abort')) as { runId: string }).runId, 'm10.b')
    await until(async () => (await fleet.list()).every((agent) => agent.runs.length === 0))
  })

  test('abort goes to the coordinator', async () => {
    await started('m5')
    assert.equal(await fleet.abort('m5', 'aborted by bob'), true)
    assert.deepEqual(coordinator.aborts, ['signal: aborted by bob'])
  })

  /** Both agents connected, the run placed, both parts sent (not answered yet). */
  async function sent(runId: string) {
    const run = mem.addRun(runId, { parts: PARTS })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open()
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    const runA = (await a.next((f) => f.type === 'run')) as RunFrame
    const runB = (await b.next((f) => f.type === 'run')) as RunFrame
    return { a, b, runA, runB }
  }

  test('14b #2: two accepts whose writes interleave begin the run once and abort nothing', async () => {
    const put = mem.store.putRunPart.bind(mem.store)
    mem.store.putRunPart = async (part) => {
      await new Promise((resolve) => setTimeout(resolve, 5)) // Postgres: a macrotask each
      return put(part)
    }
    const { a, b } = await sent('d1')
    a.send({ type: 'accepted', runId: 'd1.a' })
    b.send({ type: 'accepted', runId: 'd1.b' })
    await coordinator.started()
    await status('d1', (s) => s.status === 'running')
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(coordinator.runs.length, 1)
    assert.deepEqual(
      [...a.frames, ...b.frames].filter((f) => f.type === 'abort'),
      [],
      'the live run is not aborted by a second begin'
    )
    assert.equal(mem.runs.get('d1')!.status, 'running')
  })

  test('14b #3: an abort while the run begins reaches its coordinator', async () => {
    const markRunning = mem.store.markRunning.bind(mem.store)
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let asked!: () => void
    const calledMarkRunning = new Promise<void>((resolve) => (asked = resolve))
    mem.store.markRunning = async (...args) => {
      asked()
      await held
      return markRunning(...args)
    }
    const { a, b } = await sent('d2')
    a.send({ type: 'accepted', runId: 'd2.a' })
    b.send({ type: 'accepted', runId: 'd2.b' })
    await calledMarkRunning
    assert.equal(await fleet.abort('d2', 'aborted by bob'), true)
    release()
    await coordinator.started()
    await until(() => coordinator.aborts.length > 0)
    assert.deepEqual(coordinator.aborts, ['signal: aborted by bob'])
  })

  test('14b #5 #14: a requeued run goes out again under new part ids once the aborted part ended', async () => {
    const { a, b } = await sent('d3')
    a.send({ type: 'accepted', runId: 'd3.a' })
    await until(async () => (await mem.store.listRunParts('d3'))[0]!.status === 'running')
    b.ws.terminate() // before it accepted: the run goes back to the queue
    assert.equal(((await a.next((f) => f.type === 'abort')) as { runId: string }).runId, 'd3.a')
    const back = new RawAgent(url, 'ordl_tok_edge2')
    await back.open()
    // edge-1 still rolls d3.a back: its slot stays taken, nothing is sent to it meanwhile.
    await status('d3', (s) => s.queueReason === 'agent edge-1 (a) is busy (run d3.a, 1 of 1)')
    assert.equal(a.frames.filter((f) => f.type === 'run').length, 0)
    a.send({ type: 'events', runId: 'd3.a', events: [ev(0, 'run.ended')] })
    const again = (await a.next((f) => f.type === 'run')) as RunFrame
    assert.equal(again.runId, 'd3.a_2')
    assert.equal(((await back.next((f) => f.type === 'run')) as RunFrame).runId, 'd3.b_2')
    a.send({ type: 'accepted', runId: 'd3.a_2' })
    back.send({ type: 'accepted', runId: 'd3.b_2' })
    const args = await coordinator.started()
    assert.deepEqual(
      args.parts.map((p) => (p as unknown as { partId: string }).partId),
      ['d3.a_2', 'd3.b_2']
    )
    assert.deepEqual(
      (await mem.store.listRunParts('d3')).map((p) => `${p.logical} ${p.status}`),
      ['a running', 'b running']
    )
  })

  test('14b #4: a command sent while its agent was away goes out, same id, when the part continues', async () => {
    const { a, args } = await started('d4')
    assert.equal(args.stopGraceMs, LEASE_MS + 5000)
    assert.equal(args.parts[0]!.onCenterHost, true, 'the test agents connect over loopback')
    a.ws.terminate()
    await until(() => fleet.connectedCount() === 1)
    const reply = args.parts[0]!.command({ kind: 'stop' })
    const back = new RawAgent(url, 'ordl_tok_edge1')
    await back.open({ runs: [{ runId: 'd4.a', lastSeq: -1, ended: false }] })
    const command = (await back.next((f) => f.type === 'command')) as CommandFrame
    assert.deepEqual(command, { type: 'command', runId: 'd4.a', id: 0, command: { kind: 'stop' } })
    back.send({ type: 'reply', runId: 'd4.a', reply: { id: 0, ok: true, value: {} } })
    assert.deepEqual(await reply, {})
  })

  test('14b #4: a command whose reply was lost with the socket is sent again with its id', async () => {
    const { a, args } = await started('d5')
    const reply = args.parts[0]!.command({ kind: 'probe', probeId: 'p1' })
    assert.equal(((await a.next((f) => f.type === 'command')) as CommandFrame).id, 0)
    a.ws.terminate() // the reply is lost with it
    await until(() => fleet.connectedCount() === 1)
    const back = new RawAgent(url, 'ordl_tok_edge1')
    await back.open({ runs: [{ runId: 'd5.a', lastSeq: -1, ended: false }] })
    const again = (await back.next((f) => f.type === 'command')) as CommandFrame
    assert.equal(again.id, 0)
    back.send({ type: 'reply', runId: 'd5.a', reply: { id: 0, ok: true, value: { passed: true } } })
    assert.deepEqual(await reply, { passed: true })
  })

  test('14b #10: a mark counts only from the connection holding the part stream', async () => {
    const { a, args } = await started('d6')
    const marks: number[] = []
    args.parts[0]!.onMark((mark) => marks.push(mark.t))
    a.send({ type: 'mark', runId: 'd6.a', seq: -1, t: 1 })
    a.send({ type: 'events', runId: 'd6.a', events: [ev(0, 'run.ended')] })
    await args.parts[0]!.ended
    a.send({ type: 'mark', runId: 'd6.a', seq: 0, t: 2 }) // its stream is gone
    a.send({ type: 'mark', runId: 'd6.a', seq: 0, t: 3 })
    await until(() => marks.length >= 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(marks, [1])
  })

  test('14b #11: a merged batch is retried until stored; unstorable at the end, the run is interrupted', async () => {
    const { args } = await started('d7')
    await status('d7', (s) => s.status === 'running')
    const append = recorder.append
    let failures = 8 // more than the 5 tries that dropped the batch before
    recorder.append = async (runId, events) => {
      if (failures-- > 0) {
        throw new Error('store down')
      }
      return append(runId, events)
    }
    args.onEvent(ev(0))
    await until(() => {
      clock.advance(5000)
      return mem.runs.get('d7')!.events.has(0)
    })
    failures = Infinity
    args.onEvent(ev(1))
    coordinator.end()
    await until(() => {
      clock.advance(5000)
      return mem.runs.get('d7')!.status !== 'running'
    })
    const ended = await status('d7', (s) => s.status === 'interrupted')
    assert.equal(ended.reason, "the run's journal could not be stored from seq 1: store down")
  })

  test('14b #13: a part lost while the run is still starting ends the run at once', async () => {
    const { a } = await sent('d8')
    a.send({ type: 'accepted', runId: 'd8.a' })
    await until(async () => (await mem.store.listRunParts('d8'))[0]!.status === 'running')
    fleet.revoke({ tokenId: 'tok_1' }, 'alice')
    const ended = await status('d8', (s) => s.status === 'finished')
    assert.equal(ended.verdict, 'error')
    assert.equal(ended.reason, "agent edge-1's token was revoked by alice")
  })

  test("an agent whose hello has no 'parts' feature gets no part", async () => {
    const run = mem.addRun('d9', { parts: PARTS })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open({ features: undefined })
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    await status(
      'd9',
      (s) =>
        s.queueReason === "agent edge-1 (a) is too old for multi-host runs (no 'parts' feature)"
    )
    assert.equal(b.frames.filter((f) => f.type === 'run').length, 0)
  })

  test('a restart ends a multi-host run still starting: its sent parts are not sent again', async () => {
    const run = mem.addRun('m11', { parts: PARTS })
    fleet.place(run, { parts: PARTS }, { leaseMs: LEASE_MS, queueDeadline: iso(QUEUE_MS) })
    const a = new RawAgent(url, 'ordl_tok_edge1')
    await a.open()
    const b = new RawAgent(url, 'ordl_tok_edge2')
    await b.open()
    await a.next((f) => f.type === 'run')
    await stop()
    await boot()
    const ended = await status('m11', (s) => s.status === 'cancelled')
    assert.equal(
      ended.reason,
      'the Chaos Center restarted while the multi-host run was starting; its agents rolled back'
    )
  })

  test('a restart ends a running multi-host run; its parts are forgotten on hello', async () => {
    await started('m6')
    await status('m6', (s) => s.status === 'running')
    await stop()
    await boot()
    const ended = await status('m6', (s) => s.status === 'interrupted')
    assert.equal(
      ended.reason,
      'the Chaos Center restarted during a multi-host run; its agents rolled back'
    )
    const a = new RawAgent(url, 'ordl_tok_edge1')
    const welcome = await a.open({ runs: [{ runId: 'm6.a', lastSeq: 4, ended: false }] })
    assert.deepEqual(welcome.resume, [
      {
        runId: 'm6.a',
        ackedSeq: -1,
        action: 'forget',
        reason: 'a part of a multi-host run this Chaos Center no longer coordinates (it restarted)',
      },
    ])
    assert.deepEqual(
      (await mem.store.listRunParts('m6')).map((p) => p.status),
      ['lost', 'lost']
    )
  })
})

function iso(fromNowMs: number): string {
  return new Date(clock.now() + fromNowMs).toISOString()
}

/** Awaits a condition other tasks make true (socket events), yielding to them in between. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let turns = 0; !(await check()); turns++) {
    if (turns > 10_000) {
      throw new Error('condition never held')
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
