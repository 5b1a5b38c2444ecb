/**
 * node-drain against a real control plane: a PodDisruptionBudget that allows no disruption
 * makes the Eviction API answer 429, which the drain retries until evictionTimeout and then
 * reports as refused (the pod stays); DaemonSet pods and pods of denied namespaces are skipped.
 * (Evicted pods re-created on the other node: faults-conformance.test.ts.)
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { nodeDrainFault } from '../../../src/faults/node-drain/index.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { KubeFaultHarness } from '../../support/k8s-fault-context.js'
import { deploy, jsonpath } from '../../support/k8s-fault-objects.js'
import { waitUntil } from '../../support/fault-proc.js'
import { kubernetesRun } from '../../../src/platforms/kubernetes/connect.js'
import { DEFAULT_DENIED_NAMESPACES } from '../../../src/experiment/kubernetes-schema.js'

const WAIT = { timeoutMs: 60_000, intervalMs: 100 }

let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
})
after(() => cluster?.stop())

const podsOn = async (ns: string, node: string) =>
  (
    await jsonpath(
      cluster,
      ['-n', ns, 'get', 'pods', '--field-selector', `spec.nodeName=${node}`],
      '{.items[*].metadata.uid}'
    )
  )
    .split(' ')
    .filter(Boolean)

test(
  'a PodDisruptionBudget refusal (429) is retried, then reported, not forced',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('budget')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'web', ns, 2, { spread: true })
      await cluster.kubectl([
        '-n',
        ns,
        'create',
        'poddisruptionbudget',
        'web-pdb',
        '--selector=app=web',
        '--min-available=2',
      ])
      // The disruption controller has seen the budget (0 disruptions allowed, its status current).
      await cluster.kubectl(
        [
          '-n',
          ns,
          'wait',
          'pdb/web-pdb',
          '--for=jsonpath={.status.currentHealthy}=2',
          '--timeout=60s',
        ],
        { timeoutMs: 70_000 }
      )
      // A DaemonSet's pod on every node, and a pod in a denied namespace on kwok-node-2.
      await cluster.kubectl(['apply', '-f', '-'], {
        input: `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: main, image: fake }] }
---
apiVersion: v1
kind: Pod
metadata: { name: sys, namespace: kube-system }
spec:
  nodeSelector: { kubernetes.io/hostname: kwok-node-2 }
  containers: [{ name: main, image: fake }]
`,
      })
      await cluster.kubectl(['-n', ns, 'rollout', 'status', 'daemonset/agent', '--timeout=60s'], {
        timeoutMs: 70_000,
      })
      await cluster.kubectl(
        ['-n', 'kube-system', 'wait', 'pod/sys', '--for=condition=Ready', '--timeout=60s'],
        { timeoutMs: 70_000 }
      )
      const before = await podsOn(ns, 'kwok-node-2')
      assert.equal(before.length, 2, 'one web pod and the agent pod on kwok-node-2')

      const ctx = h.context({
        type: 'node-drain',
        nodes: { name: 'kwok-node-2' },
        evictionTimeout: '2s',
        duration: '30s',
      } as const)
      const started = Date.now()
      const injection = await nodeDrainFault.inject(ctx)
      assert.ok(Date.now() - started < 2000, 'refusals are retried while the fault holds')
      await waitUntil(
        'the refusal reported',
        () => h.actions.some((a) => a.includes('not forced')),
        WAIT
      )
      assert.ok(Date.now() - started >= 2000, 'retried until evictionTimeout')
      assert.ok(
        h.actions.some((a) =>
          /refused by PodDisruptionBudget web-pdb \(retried for 2s, not forced\)$/.test(a)
        ),
        h.actions.join('\n')
      )
      const refused = injection.targets.filter((t) => t.includes('refused'))
      assert.equal(refused.length, 1, injection.targets.join('\n'))
      assert.match(
        refused[0]!,
        new RegExp(`^pod ${ns}/web-\\S+ refused by PodDisruptionBudget web-pdb$`)
      )
      assert.deepEqual((await podsOn(ns, 'kwok-node-2')).sort(), before.sort(), 'nothing evicted')
      assert.ok(
        h.actions.includes('drain node kwok-node-2: skipped 1 DaemonSet pod'),
        h.actions.join('\n')
      )
      assert.ok(h.actions.includes('drain node kwok-node-2: skipped 1 pod in denied namespaces'))
      await cluster.kubectl(['-n', 'kube-system', 'get', 'pod', 'sys'])
      assert.equal(
        await jsonpath(cluster, ['get', 'node', 'kwok-node-2'], '{.spec.unschedulable}'),
        'true'
      )

      ctx.controller.abort()
      await injection.revert()
      assert.equal(
        await jsonpath(cluster, ['get', 'node', 'kwok-node-2'], '{.spec.unschedulable}'),
        ''
      )
      assert.equal(h.ledger.pending().length, 0)
    } finally {
      await cluster
        .kubectl(['-n', 'kube-system', 'delete', 'pod', 'sys', '--grace-period=0', '--force'])
        .catch(() => undefined)
      await h.cleanup()
    }
  }
)

test(
  'retries stop at the fault end: the revert does not wait for evictionTimeout',
  { timeout: 120_000 },
  async () => {
    // web-pdb (above) still refuses every eviction of web's pods.
    const ns = 'budget'
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      const ctx = h.context({
        type: 'node-drain',
        nodes: { name: 'kwok-node-2' },
        evictionTimeout: '5m',
        duration: '30s',
      } as const)
      const injection = await nodeDrainFault.inject(ctx)
      ctx.controller.abort() // the fault's duration ends
      const started = Date.now()
      await injection.revert()
      assert.ok(Date.now() - started < 5000, `revert took ${Date.now() - started} ms`)
      assert.ok(
        h.actions.some((a) =>
          /refused by .* \(retried until the fault ended, not forced\)$/.test(a)
        ),
        h.actions.join('\n')
      )
      assert.equal(
        await jsonpath(cluster, ['get', 'node', 'kwok-node-2'], '{.spec.unschedulable}'),
        ''
      )
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'a drain that would evict more pods than maxPodsPerFault is refused before the cordon',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('capped')
    await deploy(cluster, 'many', ns, 2, { spread: true }) // with web's pod: 2 on kwok-node-1
    const h = await KubeFaultHarness.create(cluster, ns)
    const kube = kubernetesRun(
      {
        namespace: ns,
        kubeconfig: cluster.kubeconfig,
        deniedNamespaces: [...DEFAULT_DENIED_NAMESPACES],
        maxPodsPerFault: 1,
      },
      { kubeconfig: cluster.kubeconfig },
      cluster.config
    )
    try {
      const ctx = h.context(
        { type: 'node-drain', nodes: { name: 'kwok-node-1' }, duration: '30s' } as const,
        { kube }
      )
      await assert.rejects(nodeDrainFault.inject(ctx), (error: Error) => {
        assert.match(
          error.message,
          /^node-drain: draining kwok-node-1 would evict \d+ pods, more than spec\.system\.kubernetes\.maxPodsPerFault \(1\)$/
        )
        return true
      })
      assert.equal(
        await jsonpath(cluster, ['get', 'node', 'kwok-node-1'], '{.spec.unschedulable}'),
        '',
        'not cordoned'
      )
      assert.equal(h.ledger.pending().length, 0)
    } finally {
      kube.close()
      await h.cleanup()
    }
  }
)
