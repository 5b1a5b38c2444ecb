/**
 * A deploy runs the subscribed experiment, end to end (issue 16 §3): a real control plane, the
 * built Chaos Center and the built `ordeal agent --watch-workloads`, an experiment with
 * `triggers: [{ name: deploy, on: kubernetes, debounce: 1s }]`, and `kubectl set image` on a
 * Deployment annotated `ordeal.dev/experiment=<it>`: one run, caused by the trigger, placed on
 * the agent that saw the change, passes.
 *
 * Needs the triggers service (matching, debounce, launch) of issue 16: with the contracts'
 * placeholder, whose deliver matches nothing, no run starts and the test fails at "a run of
 * the trigger".
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  ENDED_STATUSES,
  type Experiment,
  type Run,
  type RunSummary,
} from '../../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../../support/chaos-center.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploymentYaml } from '../../support/k8s-objects.js'
import { startWatchingAgent, type WatchingAgent } from '../../support/workload-watch-agent.js'

const NAME = 'orders-deploy-check'
const manifest = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${NAME}
spec:
  hypothesis: orders keeps serving after each deploy
  triggers:
    - name: deploy
      on: kubernetes
      debounce: 1s
  steps:
    - name: pause
      wait: 100ms
`

let cluster: TestCluster
let center: ChaosCenter
let agent: WatchingAgent
let dir: string

before(
  async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-e2e-workload-watch-'))
    cluster = await startTestCluster()
    await cluster.namespace('shop')
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'shop',
        name: 'orders',
        replicas: 1,
        labels: { app: 'orders' },
      }),
    })
    await cluster.kubectl([
      '-n',
      'shop',
      'annotate',
      'deployment/orders',
      `ordeal.dev/experiment=${NAME}`,
    ])
    center = await startChaosCenter({ args: ['--agent-heartbeat', '500ms'] })
    const token = await apiFetch<{ secret: string }>(center.url, '/api/tokens', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'k8s', role: 'agent' },
    })
    assert.equal(token.status, 201, token.text)
    agent = startWatchingAgent({
      server: center.url,
      token: token.json.secret,
      dir,
      name: 'k8s',
      kubeconfig: cluster.kubeconfig,
    })
    await agent.waitFor(/agent k8s connected/)
    await agent.waitFor(/workload watch: watching deployments/)
  },
  { timeout: 600_000 }
)

after(async () => {
  await agent?.stop()
  await center?.dispose()
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Polls the API (a run's start has no event this test can subscribe to before it exists). */
async function until<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs = 60_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await get()
    if (value !== undefined) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no ${what} within ${timeoutMs} ms\nagent:\n${agent.output()}\nserver:\n${center.output()}`
      )
    }
    await sleep(200)
  }
}

test(
  'kubectl set image runs the subscribed experiment on the agent that saw it',
  { timeout: 240_000 },
  async () => {
    const call = <T>(p: string, body?: unknown) =>
      apiFetch<T>(center.url, p, {
        token: center.ownerToken,
        ...(body !== undefined ? { method: 'POST', body } : {}),
      })
    const created = await call<Experiment>('/api/experiments', { yaml: manifest })
    assert.equal(created.status, 201, created.text)

    await cluster.kubectl([
      '-n',
      'shop',
      'set',
      'image',
      'deployment/orders',
      'app=registry.invalid/orders:2',
    ])
    await agent.waitFor(
      /workload watch: deployment\/orders in shop changed \(registry\.invalid\/orders:2\)/
    )

    const runs = async () =>
      (await call<RunSummary[]>(`/api/runs?experimentId=${created.json.id}`)).json
    const first = await until('run of the trigger', async () => (await runs())[0])
    const ended = await until(
      'end of the run',
      async () => {
        const run = (await call<Run>(`/api/runs/${first.id}`)).json
        return ENDED_STATUSES.includes(run.status) ? run : undefined
      },
      120_000
    )
    assert.equal(ended.agent, 'k8s', JSON.stringify(ended))
    assert.deepEqual(ended.cause, {
      kind: 'trigger',
      trigger: 'deploy',
      source: 'kubernetes',
      events: 1,
      summary: 'kubernetes: deployment/orders in shop changed (image registry.invalid/orders:2)',
    })
    assert.equal(ended.status, 'finished', JSON.stringify(ended))
    assert.equal(ended.result?.verdict, 'pass', JSON.stringify(ended.result))
    assert.equal((await runs()).length, 1, 'one deploy, one run')
  }
)
