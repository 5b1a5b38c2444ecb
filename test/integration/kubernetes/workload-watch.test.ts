/**
 * `ordeal agent --watch-workloads` against a real control plane and a real Chaos Center: the
 * built agent process watches the cluster, the server's fleet takes its `workload-changed`
 * frames. The server runs in this process so that its `ctx.triggers` can be a recording one:
 * what reaches the triggers' `deliver` is asserted exactly (the seam; matching, debounce and
 * launch are the triggers' own tests, and test/e2e/kubernetes/workload-watch.test.ts runs the
 * whole path).
 *
 * "None" is asserted by order, never by waiting: every Deployment in the cluster is in one
 * list/watch stream and every frame on one socket, so a change that should not be a delivery
 * is followed by one that is, and the next delivery must be that one.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import WebSocket, { WebSocketServer } from 'ws'
import { startServer, type RunningServer } from '../../../src/server/server.js'
import type { TriggerEvent, Triggers } from '../../../src/server/triggers/contract.js'
import { AGENT_PATH, type FromAgent, type ToAgent } from '../../../src/platforms/agent/protocol.js'
import type { LoginResponse } from '../../../src/shared/api.js'
import { apiFetch } from '../../support/chaos-center.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploymentYaml, statefulSetYaml } from '../../support/k8s-objects.js'
import { startWatchingAgent, type WatchingAgent } from '../../support/workload-watch-agent.js'
import { find, parseObjects, serviceAccountConfig, template } from '../../support/chart.js'

const T = { timeout: 180_000 }
const EXPERIMENT = 'orders-check'

/** The real triggers, except `deliver`: recorded, awaited by count. */
class RecordingTriggers implements Triggers {
  readonly events: TriggerEvent[] = []
  #waiters = new Set<() => void>()
  constructor(private readonly real: Triggers) {}
  start = () => this.real.start()
  experimentChanged = (id: string) => this.real.experimentChanged(id)
  list = (id?: string) => this.real.list(id)
  createHook: Triggers['createHook'] = (hook, by) => this.real.createHook(hook, by)
  listHooks = () => this.real.listHooks()
  removeHook = (id: string) => this.real.removeHook(id)
  deliveries = (id: string, limit?: number) => this.real.deliveries(id, limit)
  stop = () => this.real.stop()
  async deliver(event: TriggerEvent): Promise<string[]> {
    this.events.push(event)
    this.#waiters.forEach((w) => w())
    return [`${event.experiment ?? '?'}/recorded`]
  }
  /** The first delivery `ok` accepts, once it has arrived. */
  find(ok: (event: TriggerEvent) => boolean, timeoutMs = 60_000): Promise<TriggerEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(ok)
        if (found !== undefined) {
          cleanup()
          resolve(found)
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`no such delivery within ${timeoutMs} ms: ${JSON.stringify(this.events)}`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
      check()
    })
  }

  /** The `n`th delivery (1-based), once it has arrived. */
  nth(n: number, timeoutMs = 60_000): Promise<TriggerEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.events.length >= n) {
          cleanup()
          resolve(this.events[n - 1]!)
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new Error(`no delivery #${n} within ${timeoutMs} ms: ${JSON.stringify(this.events)}`)
        )
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
      check()
    })
  }
}

let cluster: TestCluster
let server: RunningServer
let triggers: RecordingTriggers
let agent: WatchingAgent
let dir: string
let owner: string
const serverLog: string[] = []

async function agentToken(name: string): Promise<string> {
  const created = await apiFetch<{ secret: string }>(server.url, '/api/tokens', {
    token: owner,
    method: 'POST',
    body: { name, role: 'agent' },
  })
  assert.equal(created.status, 201, created.text)
  return created.json.secret
}

const kubectl = (...args: string[]) => cluster.kubectl(args)
const setImage = (ns: string, workload: string, image: string) =>
  kubectl('-n', ns, 'set', 'image', workload, `app=${image}`)

before(
  async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-workload-watch-'))
    cluster = await startTestCluster()
    await cluster.namespace('shop')
    const labels = (app: string) => ({ app })
    await cluster.kubectl(['apply', '-f', '-'], {
      input: [
        deploymentYaml({
          namespace: 'shop',
          name: 'orders',
          replicas: 1,
          labels: labels('orders'),
        }),
        deploymentYaml({
          namespace: 'shop',
          name: 'billing',
          replicas: 1,
          labels: labels('billing'),
        }),
        deploymentYaml({
          namespace: 'kube-system',
          name: 'dns',
          replicas: 1,
          labels: labels('dns'),
        }),
      ].join('---\n'),
    })
    await kubectl(
      '-n',
      'shop',
      'annotate',
      'deployment/orders',
      `ordeal.dev/experiment=${EXPERIMENT}`
    )
    // Denied namespace: annotated, but never watched.
    await kubectl('-n', 'kube-system', 'annotate', 'deployment/dns', 'ordeal.dev/experiment=dns')

    server = await startServer({
      dataDir: path.join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      onLog: (line) => serverLog.push(line),
    })
    triggers = new RecordingTriggers(server.ctx.triggers)
    server.ctx.triggers = triggers
    const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    owner = login.json.token

    agent = startWatchingAgent({
      server: server.url,
      token: await agentToken('k8s'),
      dir,
      name: 'k8s',
      kubeconfig: cluster.kubeconfig,
    })
    await agent.waitFor(/agent k8s connected/)
    await agent.waitFor(
      /workload watch: watching deployments, statefulsets and daemonsets in all namespaces/
    )
  },
  { timeout: 600_000 }
)

after(async () => {
  await agent?.stop()
  await server?.close()
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('an agent watching the cluster', { concurrency: false }, () => {
  test('the initial list is the baseline; a set image is exactly one delivery', T, async (t) => {
    assert.match(agent.output(), /\(.*; 1 annotated ordeal\.dev\/experiment\)/)
    const started = performance.now()
    await setImage('shop', 'deployment/orders', 'registry.invalid/app:2')
    const event = await triggers.nth(1)
    // Measured: kubectl's own start-up is most of it.
    t.diagnostic(`kubectl set image → deliver: ${Math.round(performance.now() - started)} ms`)
    assert.deepEqual(
      { ...event, fields: { ...event.fields, generation: 0, observedAt: '' } },
      {
        source: 'kubernetes',
        agent: 'k8s',
        // The labels the agent announced (none here): a trigger's `labels` placement reads them.
        agentLabels: {},
        app: 'deployment/orders',
        experiment: EXPERIMENT,
        fields: {
          namespace: 'shop',
          workload: 'deployment/orders',
          images: ['registry.invalid/app:2'],
          image: 'registry.invalid/app:2',
          generation: 0,
          observedAt: '',
        },
        summary: 'kubernetes: deployment/orders in shop changed (image registry.invalid/app:2)',
      }
    )
    assert.ok(Number(event.fields['generation']) >= 2, JSON.stringify(event.fields))
    assert.ok(!Number.isNaN(Date.parse(String(event.fields['observedAt']))))
    assert.equal(triggers.events.length, 1, 'the baseline list delivered nothing')
  })

  test(
    'a scale, an annotation, an unannotated or a denied-namespace deploy: no delivery',
    T,
    async () => {
      await kubectl('-n', 'shop', 'scale', 'deployment/orders', '--replicas=3')
      await kubectl('-n', 'shop', 'annotate', 'deployment/orders', 'team=payments')
      await setImage('shop', 'deployment/billing', 'registry.invalid/billing:2')
      await setImage('kube-system', 'deployment/dns', 'registry.invalid/dns:2')
      await setImage('shop', 'deployment/orders', 'registry.invalid/app:3')
      const event = await triggers.nth(2)
      assert.equal(event.app, 'deployment/orders')
      assert.equal(event.fields['image'], 'registry.invalid/app:3')
      assert.equal(triggers.events.length, 2)
    }
  )

  test(
    'a StatefulSet annotated after the baseline: its creation is none, its deploy one',
    T,
    async () => {
      await cluster.kubectl(['apply', '-f', '-'], {
        input: statefulSetYaml({
          namespace: 'shop',
          name: 'ledger',
          replicas: 1,
          labels: { app: 'ledger' },
        }),
      })
      await kubectl(
        '-n',
        'shop',
        'annotate',
        'statefulset/ledger',
        'ordeal.dev/experiment=ledger-check'
      )
      await setImage('shop', 'statefulset/ledger', 'registry.invalid/ledger:2')
      const event = await triggers.nth(3)
      assert.equal(event.app, 'statefulset/ledger')
      assert.equal(event.experiment, 'ledger-check')
      assert.deepEqual(event.fields['images'], ['registry.invalid/ledger:2'])
      assert.equal(triggers.events.length, 3)
    }
  )

  test(
    'the API server restarted mid-watch: the watch resumes, the next deploy is seen',
    T,
    async (t) => {
      const from = agent.output().length
      await cluster.stopApiServer()
      await agent.waitFor(/workload watch: deployments in all namespaces: .*; retrying/, { from })
      const upAt = performance.now()
      await cluster.startApiServer()
      await agent.waitFor(/workload watch: deployments in all namespaces: resumed/, {
        from,
        timeoutMs: 120_000,
      })
      t.diagnostic(
        `API server start → watch resumed (the API server's own start included): ${Math.round(performance.now() - upAt)} ms`
      )
      await setImage('shop', 'deployment/orders', 'registry.invalid/app:4')
      const event = await triggers.nth(4)
      assert.equal(event.fields['image'], 'registry.invalid/app:4')
      assert.equal(triggers.events.length, 4, 'the re-list after the outage found nothing new')
    }
  )
})

/** A raw agent socket, to send what `ordeal agent` never would. */
async function rawAgent(token: string, features: string[]) {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + AGENT_PATH, {
    headers: { authorization: `Bearer ${token}` },
  })
  const frames: ToAgent[] = []
  const welcome = new Promise<Extract<ToAgent, { type: 'welcome' }>>((resolve, reject) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ToAgent
      frames.push(frame)
      if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', id: frame.id, t1: Date.now(), t2: Date.now() }))
      }
      if (frame.type === 'welcome') {
        resolve(frame)
      }
    })
    ws.once('error', reject)
  })
  await new Promise((resolve) => ws.once('open', resolve))
  const send = (frame: FromAgent | Record<string, unknown>) => ws.send(JSON.stringify(frame))
  send({
    type: 'hello',
    proto: 1,
    instance: `raw-${Math.random().toString(36).slice(2)}`,
    version: '0.0.0',
    labels: {},
    hostname: 'raw',
    addresses: [],
    maxRuns: 1,
    features,
    runs: [],
  })
  return { ws, send, welcome: await welcome }
}

const change = (over: Record<string, unknown> = {}) => ({
  type: 'workload-changed',
  experiment: EXPERIMENT,
  workload: 'deployment/orders',
  namespace: 'shop',
  images: ['registry.invalid/app:9'],
  generation: 9,
  observedAt: new Date().toISOString(),
  ...over,
})

test(
  'the fleet drops a bad, foreign or unannounced frame, and keeps the connection',
  T,
  async () => {
    const before = triggers.events.length
    const silent = await rawAgent(await agentToken('raw-old'), ['parts'])
    silent.send(change())
    const raw = await rawAgent(await agentToken('raw'), ['parts', 'workload-watch'])
    assert.deepEqual(raw.welcome.features, ['workload-watch'])
    raw.send(change({ images: 'not a list' }))
    raw.send(change({ workload: 'pod/orders' }))
    raw.send(change({ agent: 'k8s' }))
    raw.send(change({ agent: 'raw', images: ['registry.invalid/app:10'] }))
    const event = await triggers.nth(before + 1)
    assert.equal(event.agent, 'raw')
    assert.equal(event.fields['image'], 'registry.invalid/app:10')
    assert.equal(raw.ws.readyState, WebSocket.OPEN)
    assert.equal(silent.ws.readyState, WebSocket.OPEN)
    const dropped = serverLog.filter((line) => line.includes('(dropped)'))
    assert.deepEqual(
      dropped.map((line) => line.replace(/^fleet: /, '')),
      [
        'agent raw-old: workload-changed from an agent that did not announce workload-watch (dropped)',
        'agent raw: invalid workload-changed frame: images: Invalid input: expected array, received string (dropped)',
        'agent raw: invalid workload-changed frame: workload: Invalid string: must match pattern /^(deployment|statefulset|daemonset)\\/[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/ (dropped)',
        'agent raw: workload-changed for agent k8s: an agent reports only for itself (dropped)',
      ]
    )
    raw.ws.close()
    silent.ws.close()
    assert.equal(triggers.events.length, before + 1)
  }
)

test('--watch-workloads without a cluster: one line, exit 2', T, async () => {
  const home = mkdtempSync(path.join(dir, 'home-'))
  const lone = startWatchingAgent({
    server: server.url,
    token: await agentToken('lone'),
    dir,
    name: 'lone',
    env: { PATH: process.env['PATH'] ?? '', HOME: home, NO_COLOR: '1' },
  })
  const { code } = await lone.exited
  assert.equal(code, 2, lone.output())
  assert.equal(
    lone.output(),
    'ordeal agent: --watch-workloads needs a Kubernetes cluster: --kubeconfig, $KUBECONFIG, ~/.kube/config, or a pod with a service account\n'
  )
})

/**
 * A Chaos Center that does not list `workload-watch` (an older one, which would close the
 * socket on a frame it does not know): faked with a bare `ws` server speaking protocol 1.
 */
function oldCenter() {
  const frames: FromAgent[] = []
  let features: string[] = []
  let socket: WebSocket | undefined
  const waiters = new Set<() => void>()
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: AGENT_PATH })
  server.on('connection', (ws) => {
    socket = ws
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as FromAgent
      frames.push(frame)
      if (frame.type === 'hello') {
        ws.send(
          JSON.stringify({
            type: 'welcome',
            proto: 1,
            name: 'old',
            heartbeatMs: 60_000,
            serverTime: Date.now(),
            resume: [],
            ...(features.length > 0 ? { features } : {}),
          })
        )
      }
      waiters.forEach((w) => w())
    })
  })
  const until = (what: string, ok: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => ok() && (cleanup(), resolve())
      const timer = setTimeout(() => (cleanup(), reject(new Error(`no ${what}`))), 60_000)
      const cleanup = () => (clearTimeout(timer), waiters.delete(check))
      waiters.add(check)
      check()
    })
  return {
    frames,
    listening: new Promise((resolve) => server.once('listening', resolve)),
    url: () => `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** Everything the agent sent before it answers a ping sent now (one socket: in order). */
    async settled() {
      const id = Math.floor(Math.random() * 1e9)
      socket!.send(JSON.stringify({ type: 'ping', id, t0: Date.now() }))
      await until('pong', () => frames.some((f) => f.type === 'pong' && f.id === id))
    },
    /** Upgraded: the agent reconnects (1001) and is welcomed with `features`. */
    async upgrade(next: string[]) {
      features = next
      const hellos = frames.filter((f) => f.type === 'hello').length
      socket!.close(1001, 'restarting')
      await until('second hello', () => frames.filter((f) => f.type === 'hello').length > hellos)
    },
    until,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

test(
  'an older Chaos Center gets no frame; the latest change waits for one that takes it',
  T,
  async () => {
    const old = oldCenter()
    await old.listening
    const watcher = startWatchingAgent({
      server: old.url(),
      token: 'ordl_tok_unused',
      dir,
      name: 'old',
      kubeconfig: cluster.kubeconfig,
      args: ['--watch-namespace', 'shop'],
    })
    try {
      await watcher.waitFor(/agent old connected/)
      await watcher.waitFor(
        /workload watch: watching deployments, statefulsets and daemonsets in shop/
      )
      const hello = old.frames.find((f) => f.type === 'hello')
      assert.deepEqual(hello?.type === 'hello' ? hello.features : undefined, [
        'parts',
        'workload-watch',
      ])
      await setImage('shop', 'deployment/orders', 'registry.invalid/app:5')
      await watcher.waitFor(/deployment\/orders in shop changed \(registry\.invalid\/app:5\)/)
      await watcher.waitFor(/this Chaos Center does not take workload changes/)
      await setImage('shop', 'deployment/orders', 'registry.invalid/app:6')
      await watcher.waitFor(/deployment\/orders in shop changed \(registry\.invalid\/app:6\)/)
      await old.settled()
      assert.equal(old.frames.filter((f) => f.type === 'workload-changed').length, 0)

      await old.upgrade(['workload-watch'])
      await old.until('the waiting change', () =>
        old.frames.some((f) => f.type === 'workload-changed')
      )
      await old.settled()
      const sent = old.frames.filter((f) => f.type === 'workload-changed')
      assert.equal(sent.length, 1, 'only the latest change of the workload')
      assert.deepEqual((sent[0] as { images?: unknown }).images, ['registry.invalid/app:6'])
    } finally {
      await watcher.stop()
      await old.close()
    }
  }
)

test(
  "with the chart's RBAC: the namespaces it renders are watched; the whole cluster is refused",
  T,
  async () => {
    await cluster.namespace('ordeal')
    const rendered = await template(cluster.bin, 'r', 'ordeal', [
      'agent.token.value=ordl_tok_test',
      'server.enabled=false',
      'kubernetes.namespaces={shop}',
    ])
    await cluster.kubectl(['apply', '-f', '-'], { input: rendered })
    const args = (
      find(parseObjects(rendered), 'Deployment', 'r-ordeal-agent')[0]!['spec'] as {
        template: { spec: { containers: { args: string[] }[] } }
      }
    ).template.spec.containers[0]!.args
    const watchArgs = args.slice(args.indexOf('--watch-workloads') + 1)
    assert.deepEqual(watchArgs, ['--watch-namespace', 'shop'])
    const config = await serviceAccountConfig(
      cluster.config,
      cluster.kubectl,
      'ordeal',
      'r-ordeal-agent'
    )
    const kubeconfig = path.join(dir, 'chart-agent.kubeconfig')
    writeFileSync(kubeconfig, config.exportConfig(), { mode: 0o600 })

    const scoped = startWatchingAgent({
      server: server.url,
      token: await agentToken('chart'),
      dir,
      name: 'chart',
      kubeconfig,
      args: watchArgs,
    })
    const wide = startWatchingAgent({
      server: server.url,
      token: await agentToken('chart-wide'),
      dir,
      name: 'chart-wide',
      kubeconfig,
    })
    try {
      await scoped.waitFor(
        /workload watch: watching deployments, statefulsets and daemonsets in shop/
      )
      await wide.waitFor(
        /workload watch: deployments in all namespaces: deployments\.apps is forbidden: .*; retrying/
      )
      await setImage('shop', 'deployment/orders', 'registry.invalid/app:chart')
      const event = await triggers.find(
        (e) => e.agent === 'chart' && e.fields['image'] === 'registry.invalid/app:chart'
      )
      assert.equal(event.experiment, EXPERIMENT)
      assert.ok(!scoped.output().includes('forbidden'), scoped.output())
    } finally {
      await Promise.all([scoped.stop(), wide.stop()])
    }
  }
)
