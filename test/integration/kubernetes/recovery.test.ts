/**
 * The recovery watch against a real control plane: a pod of a Deployment deleted through the
 * API, the ReplicaSet controller creates another, kwok makes it Ready, and the watch reports
 * the time until the Deployment is fully available again. A Deployment that cannot become
 * available (its pods ask for a node no one has) times out with a reason naming replicas.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { CoreV1Api } from '@kubernetes/client-node'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploymentYaml } from '../../support/k8s-objects.js'
import { connectKubernetes } from '../../../src/platforms/kubernetes/connect.js'
import type { KubernetesRun } from '../../../src/platforms/kubernetes/contract.js'
import { DEFAULT_DENIED_NAMESPACES } from '../../../src/experiment/kubernetes-schema.js'

const T = { timeout: 180_000 }
let cluster: TestCluster
let run: KubernetesRun

before(
  async () => {
    cluster = await startTestCluster()
    await cluster.namespace('shop')
    run = await connectKubernetes(
      {
        namespace: 'shop',
        deniedNamespaces: [...DEFAULT_DENIED_NAMESPACES],
        maxPodsPerFault: 10,
      },
      { env: { KUBECONFIG: cluster.kubeconfig, HOME: '/nonexistent' } }
    )
  },
  { timeout: 600_000 }
)

after(async () => {
  run?.close()
  await cluster?.stop()
})

test(
  'a deleted pod is re-created and the Deployment recovers: the time is measured',
  T,
  async (t) => {
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'shop',
        name: 'orders',
        replicas: 3,
        labels: { app: 'orders' },
      }),
    })
    await cluster.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/orders', '--timeout=90s'])
    const watch = run.watchRecovery({ kind: 'deployment', namespace: 'shop', name: 'orders' })
    try {
      const [victim] = await run.candidatePods({ workload: 'deployment/orders' })
      assert.ok(victim)
      const core = cluster.config.makeApiClient(CoreV1Api)
      await core.deleteNamespacedPod({
        name: victim.name,
        namespace: 'shop',
        body: { gracePeriodSeconds: 0, preconditions: { uid: victim.uid } },
      })
      watch.acted()
      const outcome = await watch.settled(120_000)
      assert.equal(outcome.workload, 'deployment/orders')
      assert.equal(outcome.recovered, true, outcome.reason)
      assert.ok((outcome.ms ?? 0) > 0, `ms ${outcome.ms}`)
      t.diagnostic(`recovered in ${outcome.ms} ms`)
      // Independently: the victim is gone and three other pods are Ready.
      const names = (
        await cluster.kubectl([
          'get',
          'pods',
          '-n',
          'shop',
          '-l',
          'app=orders',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        ])
      ).split(' ')
      assert.equal(names.length, 3)
      assert.ok(!names.includes(victim.name))
      const ready = await cluster.kubectl([
        'get',
        'deployment',
        '-n',
        'shop',
        'orders',
        '-o',
        'jsonpath={.status.availableReplicas}',
      ])
      assert.equal(ready, '3')
      const conditions = await cluster.kubectl([
        'get',
        'pods',
        '-n',
        'shop',
        '-l',
        'app=orders',
        '-o',
        'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
      ])
      assert.equal(conditions, 'True True True')
    } finally {
      watch.close()
    }
  }
)

test(
  'a Deployment that cannot become available is not recovered at the timeout, with a reason',
  T,
  async () => {
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'shop',
        name: 'nowhere',
        replicas: 2,
        labels: { app: 'nowhere' },
        nodeSelector: { pool: 'no-such-pool' },
      }),
    })
    const watch = run.watchRecovery({ kind: 'deployment', namespace: 'shop', name: 'nowhere' })
    try {
      watch.acted()
      const outcome = await watch.settled(3_000)
      assert.equal(outcome.recovered, false)
      assert.equal(outcome.ms, undefined)
      assert.match(
        outcome.reason ?? '',
        /^not fully available within 3s \(0 of 2 replicas available\)$/
      )
    } finally {
      watch.close()
    }
  }
)

test('settled resolves at once when the watch is aborted', T, async () => {
  const watch = run.watchRecovery({ kind: 'deployment', namespace: 'shop', name: 'nowhere' })
  const controller = new AbortController()
  const pending = watch.settled(120_000, controller.signal)
  controller.abort()
  const outcome = await pending
  assert.equal(outcome.recovered, false)
  assert.match(outcome.reason ?? '', /^stopped before it was fully available/)
  watch.close()
})

test(
  'a recovery that cannot be observed (API server down) is an error, not "not recovered"',
  T,
  async () => {
    // `nowhere` (above) never becomes available: only the outage can decide the outcome.
    const watch = run.watchRecovery({ kind: 'deployment', namespace: 'shop', name: 'nowhere' })
    try {
      watch.acted()
      await cluster.stopApiServer()
      const outcome = await watch.settled(5_000)
      assert.equal(outcome.recovered, false)
      assert.match(outcome.error ?? '', /\S/, JSON.stringify(outcome))
      assert.doesNotMatch(outcome.error ?? '', /\n/)
    } finally {
      watch.close()
      await cluster.startApiServer()
    }
  }
)

test(
  'the API server going away mid-recovery: the watch re-lists and re-watches when it returns',
  T,
  async (t) => {
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'shop',
        name: 'cart',
        replicas: 2,
        labels: { app: 'cart' },
      }),
    })
    await cluster.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/cart', '--timeout=90s'])
    const watch = run.watchRecovery({ kind: 'deployment', namespace: 'shop', name: 'cart' })
    try {
      const [victim] = await run.candidatePods({ workload: 'deployment/cart' })
      assert.ok(victim)
      await cluster.config.makeApiClient(CoreV1Api).deleteNamespacedPod({
        name: victim.name,
        namespace: 'shop',
        body: { gracePeriodSeconds: 0, preconditions: { uid: victim.uid } },
      })
      watch.acted()
      await cluster.stopApiServer()
      await cluster.startApiServer()
      const outcome = await watch.settled(120_000)
      assert.equal(outcome.recovered, true, outcome.reason)
      t.diagnostic(`recovered in ${outcome.ms} ms across the outage`)
      const names = await cluster.kubectl([
        'get',
        'pods',
        '-n',
        'shop',
        '-l',
        'app=cart',
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ])
      assert.ok(!names.split(' ').includes(victim.name))
    } finally {
      watch.close()
    }
  }
)
