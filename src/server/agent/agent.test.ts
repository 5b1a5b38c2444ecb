import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { openStore } from '../store/open.js'
import type { Store } from '../store/contract.js'
import type { Experiment, User } from '../../shared/api.js'
import { createAgent, createRecorder, createRunBus } from './index.js'
import { createServerMetrics } from '../metrics/metrics.js'
import { killWebExperiment } from '../../../test/support/web-experiment.js'

let dir: string
let store: Store
let n = 0
const owner: User = { id: 'u1', name: 'owner', role: 'owner', createdAt: new Date().toISOString() }

/** One service killed for a minute: a run that is surely still going when shutdown starts. */
const manifest = (name: string) => killWebExperiment({ name, faultDuration: '60s' })

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ordeal-agent-'))
  process.env['ORDEAL_STATE_DIR'] = path.join(dir, 'state')
  store = await openStore({ dataDir: dir })
  await store.createUser(owner)
})

after(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

/** A fresh experiment and an agent on `agentStore` (the real store unless wrapped). */
async function setup(
  wrap: (real: Store) => Store = (real) => real,
  yaml: (name: string) => string = manifest
) {
  n++
  const experiment: Experiment = await store.createExperiment({
    id: `e${n}`,
    name: `agent-${n}`,
    hypothesis: 'h',
    yaml: yaml(`agent-${n}`),
    createdBy: owner.name,
    createdByName: owner.name,
    labels: {},
    createdAt: new Date().toISOString(),
  })
  const deps = {
    store: wrap(store),
    bus: createRunBus(),
    metrics: createServerMetrics(),
    workDir: path.join(dir, 'work'),
    log: () => undefined,
  }
  const agent = createAgent({ ...deps, recorder: createRecorder(deps) })
  return { experiment, agent }
}

const statusOf = (error: unknown) => (error as { status?: number }).status

test('a start in flight when shutdown begins is refused (503), and later starts too', async () => {
  const { experiment, agent } = await setup()
  const starting = agent.start(experiment, owner)
  await agent.shutdown()
  await assert.rejects(starting, (e) => statusOf(e) === 503)
  await assert.rejects(agent.start(experiment, owner), (e) => statusOf(e) === 503)
  assert.deepEqual(agent.running(), [])
  assert.deepEqual(await store.listRuns({ experimentId: experiment.id }), [])
})

test('a run started but not yet recorded when shutdown begins is aborted and awaited', async () => {
  let shutdown: Promise<void> | undefined
  const { experiment, agent } = await setup(
    (real) =>
      new Proxy(real, {
        get(target, prop) {
          if (prop === 'createRun') {
            return async (...args: Parameters<Store['createRun']>) => {
              // startRun has returned; shutdown begins while the run's row is being written.
              shutdown = agent.shutdown()
              await new Promise((resolve) => setTimeout(resolve, 50))
              return target.createRun(...args)
            }
          }
          const value: unknown = Reflect.get(target, prop, target)
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value
        },
      })
  )
  const started = await agent.start(experiment, owner)
  try {
    assert.ok(shutdown)
    await shutdown
    assert.deepEqual(agent.running(), [], 'shutdown returned with the run still executing')
    const run = await store.getRunSummary(started.id)
    assert.equal(run?.status, 'finished')
    assert.equal(run?.verdict, 'interrupted')
  } finally {
    // Never leave the run (and its service) behind, even when the assertions fail.
    agent.abort(started.id, 'test cleanup')
    await agent.shutdown()
  }
})

test('a multi-host experiment is refused: it runs only on its agents (400, nothing started)', async () => {
  const twoHosts = (name: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: h
  system:
    agents: [{ name: a }, { name: b }]
    services: [{ name: api, agent: a, command: sleep, args: ['300'] }]
  steps: [{ wait: 1s }]
`
  const { experiment, agent } = await setup(undefined, twoHosts)
  await assert.rejects(
    agent.start(experiment, owner),
    (e) =>
      statusOf(e) === 400 &&
      (e as Error).message ===
        'body.agents: spec.system.agents declares agents a, b: run it on agents with --server URL --agent a=NAME --agent b=NAME'
  )
  assert.deepEqual(agent.running(), [])
  assert.deepEqual(await store.listRuns({ experimentId: experiment.id }), [])
  await agent.shutdown()
})
