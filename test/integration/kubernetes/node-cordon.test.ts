/**
 * node-cordon's ownership mark against a real control plane: the cordon marks the node
 * `ordeal.dev/cordoned-by: <runId>`, the uncordon tests that mark first, so a node whose mark
 * changed during the fault (another run's, a person's) is left cordoned.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { nodeCordonFault } from '../../../src/faults/node-cordon/index.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { KubeFaultHarness } from '../../support/k8s-fault-context.js'
import { jsonpath } from '../../support/k8s-fault-objects.js'
import { serviceAccountConfig } from '../../support/chart.js'
import { kubernetesRun } from '../../../src/platforms/kubernetes/connect.js'

let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
})
after(() => cluster?.stop())

const MARK = '{.metadata.annotations.ordeal\\.dev/cordoned-by}'
const node = (path: string) => jsonpath(cluster, ['get', 'node', 'kwok-node-1'], path)

test(
  'the cordon carries the run as its mark; the uncordon removes both',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('mark')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      const ctx = h.context({
        type: 'node-cordon',
        nodes: { name: 'kwok-node-1' },
        duration: '30s',
      } as const)
      const injection = await nodeCordonFault.inject(ctx)
      assert.equal(await node('{.spec.unschedulable}'), 'true')
      assert.equal(await node(MARK), ctx.runId)
      ctx.controller.abort()
      await injection.revert()
      assert.equal(await node('{.spec.unschedulable}'), '')
      assert.equal(await node(MARK), '')
      assert.equal(h.ledger.pending().length, 0)
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'a node whose mark changed during the fault is left cordoned by the revert',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('taken')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      const ctx = h.context({
        type: 'node-cordon',
        nodes: { name: 'kwok-node-1' },
        duration: '30s',
      } as const)
      const injection = await nodeCordonFault.inject(ctx)
      await cluster.kubectl([
        'annotate',
        'node',
        'kwok-node-1',
        '--overwrite',
        'ordeal.dev/cordoned-by=someone-else',
      ])
      ctx.controller.abort()
      await injection.revert()
      assert.equal(await node('{.spec.unschedulable}'), 'true', 'left alone')
      assert.equal(await node(MARK), 'someone-else')
      assert.equal(h.ledger.pending().length, 0, 'the 422 counts as done')
    } finally {
      await cluster.kubectl(['uncordon', 'kwok-node-1'])
      await cluster.kubectl(['annotate', 'node', 'kwok-node-1', 'ordeal.dev/cordoned-by-'])
      await h.cleanup()
    }
  }
)

test(
  'a cordon the RBAC refuses leaves nothing pending: no uncordon for the watchdog to retry forever',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('refused')
    await cluster.kubectl(['create', 'serviceaccount', 'reader', '-n', ns])
    await cluster.kubectl([
      'create',
      'clusterrole',
      'node-reader',
      '--verb=get,list,watch',
      '--resource=nodes',
    ])
    await cluster.kubectl([
      'create',
      'clusterrolebinding',
      'node-reader',
      '--clusterrole=node-reader',
      `--serviceaccount=${ns}:reader`,
    ])
    const config = await serviceAccountConfig(cluster.config, cluster.kubectl, ns, 'reader')
    const h = await KubeFaultHarness.create(cluster, ns)
    const reader = kubernetesRun(
      { namespace: ns, deniedNamespaces: [], maxPodsPerFault: 10 },
      { kubeconfig: cluster.kubeconfig },
      config
    )
    try {
      const ctx = h.context(
        { type: 'node-cordon', nodes: { name: 'kwok-node-2' }, duration: '30s' } as const,
        { kube: reader }
      )
      await assert.rejects(nodeCordonFault.inject(ctx), /node-cordon: .*forbidden/)
      assert.equal(
        await jsonpath(cluster, ['get', 'node', 'kwok-node-2'], '{.spec.unschedulable}'),
        ''
      )
      assert.deepEqual(h.ledger.pending(), [], 'the refused cordon left an undo pending')
    } finally {
      reader.close()
      await h.cleanup()
    }
  }
)
