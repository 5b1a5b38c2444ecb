/**
 * Placing runs on remote agents through the API (issue 14 §4): a real Chaos Center (in this
 * process, so the test can hand it a stand-in fleet) with its real store, routes and SSE.
 * Only the fleet is fake: `RecordingFleet` records what the routes ask of it and answers as
 * the real one does for a queued run (reason published, cancel ends it). The real fleet and
 * real agents are tested end to end in test/e2e/agents/.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { apiFetch, createUserWithToken } from '../support/chaos-center.js'
import { openStream } from '../support/sse.js'
import type {
  AgentInfo,
  ApiError,
  Experiment,
  LoginResponse,
  Placement,
  RunSummary,
} from '../../src/shared/api.js'
import { startServer, type RunningServer } from '../../src/server/server.js'
import type { Fleet, ServerContext } from '../../src/server/context.js'

const manifest = (name: string, command = 'node') => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: The sleeper keeps sleeping.
  system:
    services:
      - name: sleeper
        command: ${command}
        args: ['-e', 'setInterval(() => {}, 1000)']
  steps:
    - name: nap
      wait: 100ms
`

const AGENTS: AgentInfo[] = [
  { name: 'edge-1', labels: { zone: 'eu' }, addresses: [], connected: true, maxRuns: 1, runs: [] },
]

/** The fleet, faked: records every call; a queued run waits, and cancelling ends it. */
class RecordingFleet implements Fleet {
  readonly placed: {
    run: RunSummary
    placement: Placement
    leaseMs: number
    queueDeadline: string
  }[] = []
  readonly aborted: { runId: string; reason: string }[] = []
  readonly settings = { heartbeatMs: 5000, leaseMs: 30_000, queueTimeoutMs: 600_000 }
  constructor(private readonly ctx: ServerContext) {}
  accept(): void {
    throw new Error('the recording fleet takes no agent connections')
  }
  async list() {
    return AGENTS
  }
  connectedCount() {
    return AGENTS.length
  }
  place(
    run: RunSummary,
    placement: Placement,
    options: { leaseMs: number; queueDeadline: string }
  ) {
    this.placed.push({ run, placement, ...options })
  }
  /** What the real fleet does on every change of a queued run's reason. */
  async publishReason(runId: string, reason: string) {
    await this.ctx.store.setQueueReason(runId, reason)
    const run = await this.ctx.store.getRunSummary(runId)
    this.ctx.bus.publish(runId, { event: 'status', data: run! })
  }
  async abort(runId: string, reason: string) {
    this.aborted.push({ runId, reason })
    const ended = await this.ctx.store.endQueued(runId, {
      status: 'cancelled',
      verdict: 'interrupted',
      score: 0,
      reason,
      endedAt: new Date().toISOString(),
    })
    if (ended) {
      const run = await this.ctx.store.getRunSummary(runId)
      this.ctx.bus.publish(runId, { event: 'status', data: run! })
    }
    return ended
  }
  revoke() {}
  async shutdown() {}
}

let dataDir: string
let server: RunningServer
let fleet: RecordingFleet
let token: string
let experiment: Experiment

const call = <T>(method: string, apiPath: string, body?: unknown, as = token) =>
  apiFetch<T>(server.url, apiPath, { token: as, method, ...(body === undefined ? {} : { body }) })

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-placement-'))
  server = await startServer({
    dataDir,
    port: 0,
    onLog: () => undefined,
    fleetForTests: (ctx) => (fleet = new RecordingFleet(ctx)),
  })
  const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
  const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
    method: 'POST',
    body: { code },
  })
  assert.equal(login.status, 200, login.text)
  token = login.json.token
  const created = await call<Experiment>('POST', '/api/experiments', { yaml: manifest('placed') })
  assert.equal(created.status, 201, created.text)
  experiment = created.json
  // Registered agents: edge-1 connected once (with labels); edge-2 has only a token so far.
  const store = server.ctx.store
  await store.upsertAgent({
    name: 'edge-1',
    labels: { zone: 'eu' },
    addresses: [],
    maxRuns: 1,
    firstSeenAt: new Date().toISOString(),
  })
  const owner = (await store.listUsers())[0]!
  await store.createToken({
    id: 'agent-token-2',
    name: 'edge-2',
    userId: owner.id,
    role: 'agent',
    hash: 'not-a-real-hash',
    createdAt: new Date().toISOString(),
  })
})

after(async () => {
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
})

test('a run placed on an agent is queued with its placement, default lease and queue deadline', async () => {
  const before = Date.now()
  const r = await call<RunSummary>('POST', '/api/runs', {
    experimentId: experiment.id,
    agent: 'edge-1',
  })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json.status, 'queued')
  assert.equal(r.json.source, 'agent')
  assert.deepEqual(r.json.placement, { agent: 'edge-1' })
  assert.equal(r.json.leaseMs, 30_000)
  assert.match(r.json.id, /^placed-\d{8}T\d{6}-[0-9a-f]{6}$/)
  const deadline = Date.parse(r.json.queueDeadline ?? '')
  assert.ok(deadline >= before + 600_000 && deadline <= Date.now() + 600_000, r.json.queueDeadline)
  const placed = fleet.placed.at(-1)
  assert.equal(placed?.run.id, r.json.id)
  assert.deepEqual(placed.placement, { agent: 'edge-1' })
  assert.equal(placed.leaseMs, 30_000)
  assert.equal(placed.queueDeadline, r.json.queueDeadline)

  const queued = await call<RunSummary[]>('GET', '/api/runs?status=queued')
  assert.equal(queued.status, 200, queued.text)
  assert.ok(queued.json.some((run) => run.id === r.json.id))
  await call('POST', `/api/runs/${r.json.id}/abort`)
})

test('by labels, with a lease and a queue timeout of its own', async () => {
  const r = await call<RunSummary>('POST', '/api/runs', {
    experimentId: experiment.id,
    labels: { zone: 'eu' },
    lease: '5s',
    queueTimeout: '2m',
  })
  assert.equal(r.status, 201, r.text)
  assert.deepEqual(r.json.placement, { labels: { zone: 'eu' } })
  assert.equal(r.json.leaseMs, 5000)
  const wait = Date.parse(r.json.queueDeadline ?? '') - Date.parse(r.json.startedAt)
  assert.equal(wait, 120_000)
  await call('POST', `/api/runs/${r.json.id}/abort`)
})

test('bad placements are one clear line, and nothing is queued', async () => {
  const runsBefore = (await call<RunSummary[]>('GET', '/api/runs?limit=500')).json.length
  const placedBefore = fleet.placed.length
  const cases: [unknown, number, string][] = [
    [{ agent: 'edge-1', labels: { zone: 'eu' } }, 400, 'body: give agent or labels, not both'],
    [{ agent: 'edge-9' }, 404, 'agent edge-9 is not registered (registered: edge-1, edge-2)'],
    [{ labels: { zone: 'mars' } }, 404, 'no registered agent has labels zone=mars'],
    [{ agent: 'edge-1', lease: '1s' }, 400, 'body.lease: must be a duration from 2s to 1h'],
    [{ agent: 'edge-1', lease: '2h' }, 400, 'body.lease: must be a duration from 2s to 1h'],
    [{ agent: 'edge-1', lease: 'soon' }, 400, 'body.lease: must be a duration from 2s to 1h'],
    [{ agent: 'edge-1', queueTimeout: '25h' }, 400, 'body.queueTimeout: must be a duration'],
    [{ agent: 'Edge 1' }, 400, 'body.agent: must be an agent name'],
  ]
  for (const [placement, status, message] of cases) {
    const r = await call<ApiError>('POST', '/api/runs', {
      experimentId: experiment.id,
      ...(placement as object),
    })
    assert.equal(r.status, status, r.text)
    assert.ok(r.json.message.startsWith(message), `${r.json.message} !~ ${message}`)
    assert.doesNotMatch(r.json.message, /\n/)
  }
  assert.equal((await call<RunSummary[]>('GET', '/api/runs?limit=500')).json.length, runsBefore)
  assert.equal(fleet.placed.length, placedBefore)
})

test('a queued run streams every status change until it is cancelled', async () => {
  const r = await call<RunSummary>('POST', '/api/runs', {
    experimentId: experiment.id,
    agent: 'edge-2',
  })
  assert.equal(r.status, 201, r.text)
  const id = r.json.id
  const stream = await openStream(`${server.url}/api/runs/${id}/stream?after=-1`, token)
  try {
    await stream.waitFor((m) => m.event === 'status', 'the status at connect', 30_000)
    await fleet.publishReason(id, 'no agent named edge-2 is connected (never connected)')
    const reason = await stream.waitFor(
      (m) => m.event === 'status' && m.data.queueReason !== undefined,
      'the queue reason',
      30_000
    )
    assert.equal(
      reason.event === 'status' && reason.data.queueReason,
      'no agent named edge-2 is connected (never connected)'
    )
    const cancelled = await call<RunSummary>('POST', `/api/runs/${id}/abort`)
    assert.equal(cancelled.status, 200, cancelled.text)
    assert.equal(cancelled.json.status, 'cancelled')
    assert.equal(cancelled.json.verdict, 'interrupted')
    assert.equal(cancelled.json.reason, 'cancelled by owner while queued')
    assert.deepEqual(fleet.aborted.at(-1), { runId: id, reason: 'cancelled by owner while queued' })
    await stream.closed
    const statuses = stream.messages.flatMap((m) => (m.event === 'status' ? [m.data.status] : []))
    assert.equal(statuses[0], 'queued')
    assert.equal(statuses.at(-1), 'cancelled', 'the stream closes on an ended status only')
    assert.deepEqual(statuses, ['queued', 'queued', 'cancelled'])
  } finally {
    await stream.cancel()
  }
  const again = await call<ApiError>('POST', `/api/runs/${id}/abort`)
  assert.equal(again.status, 409, again.text)
  assert.equal(again.json.message, `run ${id} has ended (cancelled)`)
  // An ended run's stream answers its status and closes at once.
  const late = await openStream(`${server.url}/api/runs/${id}/stream`, token)
  await late.closed
  const lateStatuses = late.messages.flatMap((m) => (m.event === 'status' ? [m.data.status] : []))
  assert.ok(lateStatuses.length > 0)
  assert.ok(lateStatuses.every((s) => s === 'cancelled'))
})

test('submit creates the experiment by name, stores its variables and files, and queues the run', async () => {
  const yaml = manifest('submitted', '${CMD}')
  // Larger than the app's 2 MiB default body limit: the route takes up to 24 MiB.
  const bundle = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64')
  const r = await call<RunSummary>('POST', '/api/runs/submit', {
    yaml,
    vars: { CMD: 'node' },
    bundle,
    agent: 'edge-1',
    lease: '10s',
  })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json.status, 'queued')
  assert.equal(r.json.experimentName, 'submitted')
  assert.equal(r.json.leaseMs, 10_000)
  assert.deepEqual(await server.ctx.store.getBundle(r.json.id), {
    vars: { CMD: 'node' },
    data: bundle,
  })
  assert.equal(fleet.placed.at(-1)?.run.id, r.json.id)
  const created = await server.ctx.store.getExperimentByName('submitted')
  assert.equal(created?.yaml, yaml)

  // The same manifest again: the same experiment and version, a new run.
  const again = await call<RunSummary>('POST', '/api/runs/submit', {
    yaml,
    vars: { CMD: 'node' },
    labels: { zone: 'eu' },
  })
  assert.equal(again.status, 201, again.text)
  assert.equal(again.json.experimentId, r.json.experimentId)
  assert.equal(again.json.experimentVersion, r.json.experimentVersion)
  assert.deepEqual(await server.ctx.store.getBundle(again.json.id), { vars: { CMD: 'node' } })
  for (const id of [r.json.id, again.json.id]) {
    await call('POST', `/api/runs/${id}/abort`)
  }
})

test('a bad submit creates nothing: unset variable, no placement, unknown agent', async () => {
  const cases: [unknown, number, RegExp][] = [
    [
      { yaml: manifest('never-a', '${CMD}'), vars: {}, agent: 'edge-1' },
      400,
      /variable \$\{CMD\} is not set/,
    ],
    [{ yaml: manifest('never-b'), vars: {} }, 400, /^body: give agent, labels or agents$/],
    [
      { yaml: manifest('never-c'), vars: {}, agent: 'edge-9' },
      404,
      /^agent edge-9 is not registered/,
    ],
    [
      { yaml: manifest('never-d'), vars: { 'NOT A NAME': 'x' }, agent: 'edge-1' },
      400,
      /^body\.vars/,
    ],
    [
      { yaml: manifest('never-e'), vars: {}, bundle: 'not base64!', agent: 'edge-1' },
      400,
      /^body\.bundle/,
    ],
  ]
  for (const [body, status, message] of cases) {
    const r = await call<ApiError>('POST', '/api/runs/submit', body)
    assert.equal(r.status, status, r.text)
    assert.match(r.json.message, message)
  }
  const names = (await server.ctx.store.listExperiments()).map((e) => e.name)
  assert.deepEqual(
    names.filter((n) => n.startsWith('never-')),
    []
  )
})

/** A multi-host manifest: api on logical agent a, db on b. */
const twoHosts = (name: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: The api answers while cut off its db.
  system:
    agents: [{ name: a }, { name: db }]
    services:
      - { name: api, agent: a, command: node, args: ['-e', 'setInterval(() => {}, 1000)'] }
      - { name: store, agent: db, command: node, args: ['-e', 'setInterval(() => {}, 1000)'] }
  steps:
    - fault: { type: network-partition, between: [[agent:a], [agent:db]], duration: 1s }
`

test('a multi-host experiment is placed with agents, one registered agent per logical host', async () => {
  const created = await call<Experiment>('POST', '/api/experiments', { yaml: twoHosts('parts') })
  assert.equal(created.status, 201, created.text)
  const r = await call<RunSummary>('POST', '/api/runs', {
    experimentId: created.json.id,
    agents: { a: 'edge-1', db: 'edge-2' },
  })
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json.status, 'queued')
  assert.deepEqual(r.json.placement, { parts: { a: 'edge-1', db: 'edge-2' } })
  assert.deepEqual(fleet.placed.at(-1)?.placement, { parts: { a: 'edge-1', db: 'edge-2' } })
  await call('POST', `/api/runs/${r.json.id}/abort`)

  const submitted = await call<RunSummary>('POST', '/api/runs/submit', {
    yaml: twoHosts('parts-submitted'),
    vars: {},
    agents: { a: 'edge-2', db: 'edge-1' },
  })
  assert.equal(submitted.status, 201, submitted.text)
  assert.deepEqual(submitted.json.placement, { parts: { a: 'edge-2', db: 'edge-1' } })
  await call('POST', `/api/runs/${submitted.json.id}/abort`)
})

test('bad agents maps are one clear line; nothing is queued, started or created', async () => {
  const multi = await call<Experiment>('POST', '/api/experiments', { yaml: twoHosts('parts-bad') })
  assert.equal(multi.status, 201, multi.text)
  const hint =
    'body.agents: spec.system.agents declares agents a, db: run it on agents with --server URL --agent a=NAME --agent db=NAME'
  const runsBefore = (await call<RunSummary[]>('GET', '/api/runs?limit=500')).json.length
  const placedBefore = fleet.placed.length
  const cases: [string, unknown, number, string][] = [
    [multi.json.id, {}, 400, hint],
    [multi.json.id, { agent: 'edge-1' }, 400, hint],
    [multi.json.id, { labels: { zone: 'eu' } }, 400, hint],
    [
      multi.json.id,
      { agents: { a: 'edge-1', db: 'edge-2' }, agent: 'edge-1' },
      400,
      'body: give agents (a multi-host experiment) without agent or labels',
    ],
    [multi.json.id, { agents: { a: 'edge-1' } }, 400, 'body.agents: logical agent db has no agent'],
    [
      multi.json.id,
      { agents: { a: 'edge-1', db: 'edge-2', dbb: 'edge-3' } },
      400,
      "body.agents.dbb: no logical agent named 'dbb' in spec.system.agents (did you mean 'db'?)",
    ],
    [
      multi.json.id,
      { agents: { a: 'edge-1', db: 'edge-1' } },
      400,
      'body.agents: a and db both name agent edge-1; two logical hosts cannot share one',
    ],
    [
      multi.json.id,
      { agents: { a: 'edge-1', db: 'edge-9' } },
      404,
      'agent edge-9 is not registered (registered: edge-1, edge-2)',
    ],
    [multi.json.id, { agents: {} }, 400, 'body.agents: give at least one logical agent'],
    [multi.json.id, { agents: { A: 'edge-1' } }, 400, 'body.agents.A'],
    [
      experiment.id,
      { agents: { a: 'edge-1' } },
      400,
      'body.agents: the experiment declares no spec.system.agents (give agent or labels)',
    ],
  ]
  for (const [experimentId, placement, status, message] of cases) {
    const r = await call<ApiError>('POST', '/api/runs', {
      experimentId,
      ...(placement as object),
    })
    assert.equal(r.status, status, `${JSON.stringify(placement)}: ${r.text}`)
    assert.ok(r.json.message.startsWith(message), `${r.json.message} !~ ${message}`)
    assert.doesNotMatch(r.json.message, /\n/)
  }
  assert.equal((await call<RunSummary[]>('GET', '/api/runs?limit=500')).json.length, runsBefore)
  assert.equal(fleet.placed.length, placedBefore)

  // A submit that does not fit its manifest creates no experiment either.
  const r = await call<ApiError>('POST', '/api/runs/submit', {
    yaml: twoHosts('never-parts'),
    vars: {},
    agents: { a: 'edge-1' },
  })
  assert.equal(r.status, 400, r.text)
  assert.equal(r.json.message, 'body.agents: logical agent db has no agent')
  const single = await call<ApiError>('POST', '/api/runs/submit', {
    yaml: twoHosts('never-parts-single'),
    vars: {},
    agent: 'edge-1',
  })
  assert.equal(single.status, 400, single.text)
  assert.equal(single.json.message, hint)
  const names = (await server.ctx.store.listExperiments()).map((e) => e.name)
  assert.deepEqual(
    names.filter((n) => n.startsWith('never-')),
    []
  )
})

test('GET /api/agents answers the fleet, to viewers too', async () => {
  const viewer = await createUserWithToken({ url: server.url, ownerToken: token }, 'viewer')
  const r = await call<AgentInfo[]>('GET', '/api/agents', undefined, viewer.token)
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.json, AGENTS)
  const health = await call<{ connectedAgents: number }>('GET', '/api/health')
  assert.equal(health.json.connectedAgents, 1)
})
