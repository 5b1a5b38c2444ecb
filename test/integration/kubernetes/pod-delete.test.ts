/**
 * pod-delete against a real control plane: the ReplicaSet re-creates what it deletes and the
 * recovery time is measured; the uid precondition spares a pod re-created under the same name;
 * `interval` deletes again until the fault ends.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { parseLedgerLines } from '../../../src/safety/ledger.js'
import { podDeleteFault } from '../../../src/faults/pod-delete/index.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { KubeFaultHarness } from '../../support/k8s-fault-context.js'
import { deploy, jsonpath } from '../../support/k8s-fault-objects.js'
import { waitUntil } from '../../support/fault-proc.js'

const WAIT = { timeoutMs: 60_000, intervalMs: 200 }
let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
})
after(() => cluster?.stop())

const uids = async (ns: string, app: string) =>
  (
    await jsonpath(
      cluster,
      ['-n', ns, 'get', 'pods', '-l', `app=${app}`],
      '{.items[*].metadata.uid}'
    )
  )
    .split(' ')
    .filter(Boolean)

test(
  'the ReplicaSet re-creates the deleted pods (new uids); the recovery time is reported',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('recreate')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'web', ns, 2)
      const old = await uids(ns, 'web')
      const ctx = h.context({
        type: 'pod-delete',
        pods: { workload: 'deployment/web', mode: 'all' },
        force: true,
        duration: '30s',
      } as const)
      const injection = await podDeleteFault.inject(ctx)
      assert.equal(injection.targets.length, 2)
      await waitUntil(
        'two new pods',
        async () => {
          const now = await uids(ns, 'web')
          return now.length === 2 && now.every((u) => !old.includes(u))
        },
        WAIT
      )
      ctx.controller.abort()
      await injection.revert()
      assert.equal(h.recoveries.length, 0, 'the revert only undoes: the recovery is settled after')
      await injection.settle?.(new AbortController().signal)
      assert.equal(h.recoveries.length, 1)
      const [outcome] = h.recoveries
      assert.equal(outcome!.workload, 'deployment/web')
      assert.equal(outcome!.recovered, true)
      assert.ok((outcome!.ms ?? 0) > 0, `recovery ms: ${outcome!.ms}`)
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'the uid precondition: a pod re-created under the same name is not deleted',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('same-name')
    const h = await KubeFaultHarness.create(cluster, ns)
    const pod = `apiVersion: v1
kind: Pod
metadata: { name: solo, namespace: ${ns}, labels: { app: solo } }
spec: { containers: [{ name: main, image: fake }] }
`
    try {
      await cluster.kubectl(['apply', '-f', '-'], { input: pod })
      const [first] = await uids(ns, 'solo')
      // Between the fault's selection and its deletion, someone re-creates the pod under its name
      // (what a StatefulSet does): the selection still holds the old uid.
      const kube = {
        ...h.kube,
        selectPods: async (...args: Parameters<typeof h.kube.selectPods>) => {
          const selected = await h.kube.selectPods(...args)
          await cluster.kubectl(['-n', ns, 'delete', 'pod', 'solo', '--grace-period=0', '--force'])
          await cluster.kubectl(['apply', '-f', '-'], { input: pod })
          return selected
        },
      }
      const ctx = h.context(
        { type: 'pod-delete', pods: { labels: { app: 'solo' } }, duration: '30s' } as const,
        { kube }
      )
      const injection = await podDeleteFault.inject(ctx)
      const [second] = await uids(ns, 'solo')
      assert.ok(second && second !== first, 'the pod was re-created with a new uid')
      assert.deepEqual(injection.targets, [])
      assert.ok(h.actions.includes(`delete pod ${ns}/solo: already gone`), h.actions.join('\n'))
      assert.ok(h.actions.some((a) => a.includes('no owning workload')))
      await injection.revert()
      await injection.settle?.(new AbortController().signal)
      assert.deepEqual(await uids(ns, 'solo'), [second], 'the re-created pod is untouched')
      assert.deepEqual(h.recoveries, [])
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'interval: deletes again every interval until the fault ends',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('interval')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'web', ns, 1)
      const ctx = h.context({
        type: 'pod-delete',
        pods: { workload: 'deployment/web' },
        force: true,
        interval: '500ms',
        duration: '30s',
      } as const)
      const injection = await podDeleteFault.inject(ctx)
      await waitUntil('three deletions', () => injection.targets.length >= 3, WAIT)
      ctx.controller.abort()
      await injection.revert()
      const count = injection.targets.length
      assert.equal(new Set(injection.targets).size, count, 'each round deleted the pod of its time')
      // The revert awaited the loop: every deletion is in the ledger (recorded before it was
      // made), all of them done, and none is recorded by a settle that follows.
      const deletions = () =>
        parseLedgerLines(readFileSync(h.ledger.file, 'utf8')).filter(
          (l) => l.op === 'record' && l.undo.kind === 'none'
        ).length
      assert.equal(deletions(), count)
      assert.equal(h.ledger.pending().length, 0)
      await injection.settle?.(new AbortController().signal)
      assert.equal(deletions(), count, 'no deletion after the revert')
      assert.equal(injection.targets.length, count)
      assert.equal(h.recoveries.at(-1)?.recovered, true)
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'settle: a wait the run interrupts ends at once and reports no recovery, only that it was not measured',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('interrupted')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'web', ns, 1)
      const ctx = h.context({
        type: 'pod-delete',
        pods: { workload: 'deployment/web' },
        force: true,
        duration: '30s',
      } as const)
      // No node takes the re-created pod: the workload cannot recover before the settle.
      await cluster.kubectl(['cordon', 'kwok-node-1', 'kwok-node-2'])
      const injection = await podDeleteFault.inject(ctx)
      assert.equal(injection.targets.length, 1)
      ctx.controller.abort()
      await injection.revert()
      const run = new AbortController()
      run.abort() // Ctrl+C: the recovery wait must not hold the run
      await injection.settle?.(run.signal)
      assert.deepEqual(h.recoveries, [])
      assert.ok(
        h.actions.includes('recovery of deployment/web not measured: the run was interrupted'),
        h.actions.join('\n')
      )
    } finally {
      await cluster.kubectl(['uncordon', 'kwok-node-1', 'kwok-node-2'])
      await h.cleanup()
    }
  }
)
