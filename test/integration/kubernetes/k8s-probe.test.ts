/**
 * The k8s probe against a real kube-apiserver (RBAC on) with kwok nodes: get and list,
 * cluster-scoped resources, JSONPath comparisons while a Deployment scales, unknown resources,
 * a user with no rights, and the API server down. Objects are set up and changed with kubectl.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { KubeConfig } from '@kubernetes/client-node'
import { k8sProbe } from '../../../src/probes/k8s/index.js'
import type { ProbeContext, ProbeParamsOf } from '../../../src/probes/contract.js'
import { startTestCluster } from '../../support/k8s-cluster.js'
import type { TestCluster } from '../../support/k8s-cluster.js'
import { probeBase, probeContext } from '../../support/probe-context.js'
import { probeCluster } from '../../support/k8s-probe-cluster.js'
import { ProbeScheduler } from '../../../src/engine/probe-scheduler.js'
import type { Probe } from '../../../src/experiment/model.js'
import type { ProbeVerdict } from '../../../src/engine/events.js'

type Params = ProbeParamsOf<'k8s'>
type Resource = Params['resource']

const NS = 'shop'
const deployments: Resource = { group: 'apps', version: 'v1', resource: 'deployments' }
const pods: Resource = { version: 'v1', resource: 'pods' }

/** `minReadySeconds` keeps new pods unavailable for a moment: "right after scaling" is certain. */
const ordersDeployment = (replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: orders, namespace: ${NS} }
spec:
  replicas: ${replicas}
  minReadySeconds: 3
  selector: { matchLabels: { app: orders } }
  template:
    metadata: { labels: { app: orders } }
    spec: { containers: [{ name: orders, image: registry.invalid/orders:1 }] }
`

describe('k8s probe against a real API server', { timeout: 300_000 }, () => {
  let cluster: TestCluster
  let ctx: (options?: { timeoutMs?: number; config?: KubeConfig }) => ProbeContext

  before(async () => {
    cluster = await startTestCluster()
    await cluster.namespace(NS)
    await cluster.kubectl(['apply', '-f', '-'], { input: ordersDeployment(2) })
    await cluster.kubectl(['-n', NS, 'rollout', 'status', 'deployment/orders', '--timeout=60s'], {
      timeoutMs: 90_000,
    })
    ctx = (options = {}) => ({
      ...probeContext({ timeoutMs: options.timeoutMs ?? 20_000 }),
      kubernetes: probeCluster(options.config ?? cluster.config, NS),
    })
  })
  after(() => cluster?.stop())

  const check = (params: Omit<Params, 'name' | 'mode' | 'type'>, context = ctx()) =>
    k8sProbe.check({ ...probeBase, type: 'k8s', ...params } as Params, context)

  it('present and absent of a Deployment by name', async () => {
    const present = await check({
      resource: { ...deployments, name: 'orders' },
      operation: 'present',
    })
    assert.deepEqual(present, { passed: true, message: 'deployments/orders present' })
    const gone = await check({
      resource: { ...deployments, name: 'billing' },
      operation: 'present',
    })
    assert.deepEqual(gone, { passed: false, message: 'deployments/billing not found' })
    const absent = await check({
      resource: { ...deployments, name: 'billing' },
      operation: 'absent',
    })
    assert.equal(absent.passed, true, absent.message)
    const notAbsent = await check({
      resource: { ...deployments, name: 'orders' },
      operation: 'absent',
    })
    assert.deepEqual(notAbsent, { passed: false, message: 'deployments/orders present' })
  })

  it('present and absent of pods by label', async () => {
    const names = (
      await cluster.kubectl(['-n', NS, 'get', 'pods', '-l', 'app=orders', '-o', 'name'])
    )
      .trim()
      .split('\n')
    assert.equal(names.length, 2)
    const present = await check({
      resource: { ...pods, labelSelector: 'app=orders' },
      operation: 'present',
    })
    assert.equal(present.passed, true, present.message)
    assert.match(present.message, /^2 pods app=orders \(orders-[^,]+, orders-[^,]+\) present$/)
    const absent = await check({
      resource: { ...pods, labelSelector: 'app=billing' },
      operation: 'absent',
    })
    assert.deepEqual(absent, { passed: true, message: 'pods app=billing match nothing' })
    const running = await check({
      resource: { ...pods, labelSelector: 'app=orders', fieldSelector: 'status.phase=Running' },
      operation: 'present',
    })
    assert.equal(running.passed, true, running.message)
  })

  it('compare: availableReplicas equals replicas once Ready, not right after scaling up', async () => {
    const available = {
      resource: { ...deployments, name: 'orders' },
      operation: 'compare' as const,
      jsonPath: '{.status.availableReplicas}',
      equalsJsonPath: 'spec.replicas',
    }
    assert.deepEqual(await check(available), {
      passed: true,
      message: 'deployments/orders: status.availableReplicas 2 equal to spec.replicas 2',
      value: 2,
    })
    await cluster.kubectl(['-n', NS, 'scale', 'deployment/orders', '--replicas=4'])
    const scaling = await check(available)
    assert.deepEqual(scaling, {
      passed: false,
      message: 'deployments/orders: status.availableReplicas 2, expected equal to spec.replicas 4',
      value: 2,
    })
    await cluster.kubectl(['-n', NS, 'rollout', 'status', 'deployment/orders', '--timeout=60s'], {
      timeoutMs: 90_000,
    })
    const settled = await check(available)
    assert.equal(settled.passed, true, settled.message)
    // A kubectl-style filter with a string comparator, over every pod listed.
    const ready = await check({
      resource: { ...pods, labelSelector: 'app=orders' },
      operation: 'compare',
      jsonPath: '{.status.conditions[?(@.type=="Ready")].status}',
      comparator: { type: 'string', criteria: 'equal', value: 'True' },
    })
    assert.equal(ready.passed, true, ready.message)
    assert.match(
      ready.message,
      /^pods\/orders-\S+: status\.conditions.* "True" equal "True" \(all 4\)$/
    )
  })

  it('compare: a field Kubernetes leaves out is absent, said plainly', async () => {
    await cluster.kubectl(['apply', '-f', '-'], {
      input: ordersDeployment(0).replaceAll('orders', 'idle'),
    })
    const outcome = await check({
      resource: { ...deployments, name: 'idle' },
      operation: 'compare',
      jsonPath: 'status.availableReplicas',
      comparator: { type: 'int', criteria: '>=', value: 1 },
    })
    assert.deepEqual(outcome, {
      passed: false,
      message: 'deployments/idle: status.availableReplicas absent (0?), expected >= 1',
    })
  })

  it('cluster-scoped nodes by label, without a namespace', async () => {
    const outcome = await check({
      resource: { version: 'v1', resource: 'nodes', labelSelector: 'type=kwok' },
      operation: 'compare',
      jsonPath: '{.spec.unschedulable}',
      comparator: { type: 'string', criteria: 'equal', value: 'true' },
    })
    // Schedulable nodes have no spec.unschedulable at all.
    assert.equal(outcome.passed, false)
    assert.match(
      outcome.message,
      /^nodes\/kwok-node-\d: spec\.unschedulable absent, expected equal "true" \(2 of 2 fail\)$/
    )
    const present = await check({
      resource: { version: 'v1', resource: 'nodes', labelSelector: 'type=kwok' },
      operation: 'present',
    })
    assert.match(present.message, /^2 nodes type=kwok \(kwok-node-1, kwok-node-2\) present$/)
  })

  it('an unknown resource or group/version is a failed outcome naming it', async () => {
    const typo = await check({
      resource: { group: 'apps', version: 'v1', resource: 'deploymens' },
      operation: 'present',
    })
    assert.deepEqual(typo, {
      passed: false,
      message: "the server has no resource 'deploymens' in apps/v1",
    })
    const group = await check({
      resource: { group: 'example.com', version: 'v1', resource: 'widgets' },
      operation: 'present',
    })
    assert.deepEqual(group, {
      passed: false,
      message: 'the server has no API group/version example.com/v1',
    })
  })

  it('a namespace in the deny list is a failed outcome naming the list', async () => {
    const outcome = await check({
      resource: { ...pods, namespace: 'kube-system' },
      operation: 'present',
    })
    assert.equal(outcome.passed, false)
    assert.match(outcome.message, /^namespace kube-system is in the deny list \(kube-system\)/)
  })

  it('RBAC: a user with no rights gets the 403 Status message, one line', async () => {
    await cluster.kubectl(['-n', NS, 'create', 'serviceaccount', 'nobody'])
    const token = (await cluster.kubectl(['-n', NS, 'create', 'token', 'nobody'])).trim()
    const admin = cluster.config.getCurrentCluster()!
    const config = new KubeConfig()
    config.loadFromOptions({
      clusters: [admin],
      users: [{ name: 'nobody', token }],
      contexts: [{ name: 'nobody', cluster: admin.name, user: 'nobody' }],
      currentContext: 'nobody',
    })
    const outcome = await check(
      { resource: { ...deployments, name: 'orders' }, operation: 'present' },
      ctx({ config })
    )
    assert.deepEqual(outcome, {
      passed: false,
      message: `deployments.apps "orders" is forbidden: User "system:serviceaccount:${NS}:nobody" cannot get resource "deployments" in API group "apps" in the namespace "${NS}"`,
    })
  })

  it('the API server stopped: a failed outcome in one line, never a throw', async () => {
    await cluster.stopApiServer()
    try {
      const outcome = await check({
        resource: { ...deployments, name: 'orders' },
        operation: 'present',
      })
      assert.equal(outcome.passed, false)
      const server = cluster.config.getCurrentCluster()!.server
      assert.match(outcome.message, new RegExp(`^API server ${server}: connect ECONNREFUSED`))
      assert.doesNotMatch(outcome.message, /\n/)
    } finally {
      await cluster.startApiServer()
    }
  })

  it('all five modes through the engine probe scheduler', async () => {
    // The runner builds its schedulers the same way; its cluster wiring is the platform's.
    const probe = (
      name: string,
      mode: Probe['mode'],
      params: Omit<Params, 'name' | 'mode' | 'type'>
    ): Probe => ({
      id: `step/${name}`,
      name,
      type: 'k8s',
      mode,
      params: { name, mode, type: 'k8s', ...params } as Params,
      run: {
        timeoutMs: 20_000,
        intervalMs: 100,
        attempts: 1,
        pollingIntervalMs: 100,
        initialDelayMs: 0,
        stopOnFailure: false,
      },
    })
    const orders = { ...deployments, name: 'orders' }
    const available = { jsonPath: 'status.availableReplicas', equalsJsonPath: 'spec.replicas' }
    const probes = [
      probe('nodes', 'SOT', {
        resource: { version: 'v1', resource: 'nodes' },
        operation: 'present',
      }),
      probe('deployment', 'Edge', { resource: orders, operation: 'present' }),
      probe('pods', 'Continuous', {
        resource: { ...pods, labelSelector: 'app=orders' },
        operation: 'present',
      }),
      probe('during', 'OnChaos', { resource: orders, operation: 'present' }),
      probe('available', 'EOT', { resource: orders, operation: 'compare', ...available }),
    ]
    const verdicts = new Map<string, { verdict: ProbeVerdict; message: string }>()
    const attempts = new Map<string, number>()
    let twice: () => void = () => undefined
    const loopsRan = new Promise<void>((resolve) => (twice = resolve))
    const scheduler = new ProbeScheduler(probes, {
      vars: () => ({}),
      baseDir: '.',
      signal: new AbortController().signal,
      kubernetes: probeCluster(cluster.config, NS),
      attempt: (p) => {
        attempts.set(p.name, (attempts.get(p.name) ?? 0) + 1)
        if ((attempts.get('pods') ?? 0) >= 2 && (attempts.get('during') ?? 0) >= 2) {
          twice()
        }
      },
      verdict: (p, verdict, message) => verdicts.set(p.name, { verdict, message }),
      stop: () => undefined,
    })
    await scheduler.pre()
    scheduler.chaosStarted(60_000)
    // The "chaos": scale up; minReadySeconds keeps the new pods unavailable until EOT has run.
    await cluster.kubectl(['-n', NS, 'scale', 'deployment/orders', '--replicas=5'])
    await loopsRan
    scheduler.chaosEnded()
    await scheduler.post({ aborted: false })
    const verdictOf = (name: string) => verdicts.get(name)?.verdict
    assert.deepEqual(
      ['nodes', 'deployment', 'pods', 'during'].map(verdictOf),
      ['Passed', 'Passed', 'Passed', 'Passed'],
      JSON.stringify([...verdicts])
    )
    assert.match(verdicts.get('pods')!.message, /^\d+ iterations passed; last: \d pods app=orders/)
    assert.equal(verdicts.get('available')?.verdict, 'Failed')
    assert.match(
      verdicts.get('available')!.message,
      /^deployments\/orders: status\.availableReplicas \d, expected equal to spec\.replicas 5$/
    )
  })

  it('an attempt past its timeout gives up, saying so', async () => {
    const outcome = await check(
      { resource: { ...deployments, name: 'orders' }, operation: 'present' },
      ctx({ timeoutMs: 1 })
    )
    assert.deepEqual(outcome, { passed: false, message: 'timed out after 1ms' })
  })

  it('an aborted attempt gives up at once', async () => {
    const controller = new AbortController()
    controller.abort()
    const outcome = await check(
      { resource: { ...deployments, name: 'orders' }, operation: 'present' },
      { ...ctx(), signal: controller.signal }
    )
    assert.deepEqual(outcome, { passed: false, message: 'aborted' })
  })
})
