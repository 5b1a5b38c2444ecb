/**
 * The Kubernetes faults through the built CLI's runner (`npm run build` first): a manifest with
 * `spec.system.kubernetes` deletes a Deployment's pod, then scales another one down; the run
 * journals each action and the recovery times, and leaves the cluster as it found it.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploy, jsonpath } from '../../support/k8s-fault-objects.js'
import { workspace, type Workspace } from '../../support/cli.js'

let cluster: TestCluster
let ws: Workspace
before(async () => {
  cluster = await startTestCluster()
  ws = workspace()
})
after(async () => {
  ws?.cleanup()
  await cluster?.stop()
})

test(
  'ordeal run: pod-delete and workload-scale, recovery journaled, nothing left behind',
  { timeout: 180_000 },
  async () => {
    const ns = await cluster.namespace('shop')
    await deploy(cluster, 'orders', ns, 2)
    await deploy(cluster, 'payments', ns, 3)
    const run = await ws.runManifest(
      'k8s',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k8s-faults }
spec:
  hypothesis: orders and payments come back after losing pods.
  deadline: 2m
  system:
    kubernetes: { namespace: ${ns}, kubeconfig: ${cluster.kubeconfig} }
  steps:
    - name: delete-an-order-pod
      fault:
        type: pod-delete
        pods: { workload: deployment/orders }
        force: true
        duration: 1s
    - name: scale-payments-down
      fault: { type: workload-scale, workload: deployment/payments, replicas: 1, duration: 1s }
`
    )
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`)
    const actions = run.events
      .filter((e) => e.type === 'fault.action')
      .map((e) => (e as { detail?: string }).detail)
    assert.ok(
      actions.some((a) => /^deleted pod shop\/orders-\S+ \(force\)$/.test(a ?? '')),
      actions.join('\n')
    )
    assert.ok(
      actions.includes('scaled deployment/payments from 3 to 1 replicas'),
      actions.join('\n')
    )
    assert.ok(actions.includes('restored deployment/payments to 3 replicas'), actions.join('\n'))
    const recoveries = run.events.filter((e) => e.type === 'fault.recovery') as unknown as {
      workload: string
      recovered: boolean
      ms?: number
    }[]
    assert.deepEqual(
      recoveries.map((r) => [r.workload, r.recovered]),
      [
        ['deployment/orders', true],
        ['deployment/payments', true],
      ]
    )
    assert.ok(recoveries.every((r) => (r.ms ?? 0) > 0))
    // The recovery wait is outside the fault window but inside the step: each fault's
    // fault.reverted comes before its fault.recovery, which comes before its step ends.
    const events = run.events as unknown as { type: string; faultId?: string; stepId?: string }[]
    const trace = events.map((e) => `${e.type} ${e.faultId ?? e.stepId ?? ''}`).join('\n')
    const faultIds = events.filter((e) => e.type === 'fault.injected').map((e) => e.faultId!)
    assert.equal(faultIds.length, 2, trace)
    for (const id of faultIds) {
      const at = (type: string) =>
        events.findIndex((e) => e.type === type && (e.faultId ?? e.stepId) === id)
      const reverted = at('fault.reverted')
      assert.ok(reverted >= 0 && reverted < at('fault.recovery'), trace)
      assert.ok(at('fault.recovery') < at('step.ended'), trace)
    }
    assert.equal(
      await jsonpath(cluster, ['-n', ns, 'get', 'deployment', 'payments'], '{.spec.replicas}'),
      '3'
    )
  }
)
