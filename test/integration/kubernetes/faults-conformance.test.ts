/**
 * The conformance suite of the Kubernetes faults, against a real control plane (kwok nodes):
 * inject → observable effect → revert → effect gone → revert again (idempotent) → inject again.
 * Effects are read with kubectl, never ordeal's code; each ledger entry is checked, with a
 * blocking kubectl at the instant it is recorded, to be written while its effect is not there.
 */
import { KUBERNETES_FAULTS } from '../../../src/experiment/kubernetes-semantics.js'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LedgerEntry } from '../../../src/safety/ledger.js'
import type { FaultDriver, FaultParamsOf, Injection } from '../../../src/faults/contract.js'
import { faultDrivers } from '../../../src/faults/registry.js'
import { podDeleteFault } from '../../../src/faults/pod-delete/index.js'
import { workloadScaleFault } from '../../../src/faults/workload-scale/index.js'
import { nodeCordonFault } from '../../../src/faults/node-cordon/index.js'
import { nodeDrainFault } from '../../../src/faults/node-drain/index.js'
import { networkIsolateFault } from '../../../src/faults/network-isolate/index.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { KubeFaultHarness } from '../../support/k8s-fault-context.js'
import { deploy, jsonpath, kubectlSync } from '../../support/k8s-fault-objects.js'
import { waitUntil } from '../../support/fault-proc.js'

const TYPES = KUBERNETES_FAULTS
type Type = (typeof TYPES)[number]

interface Case<T extends Type, S> {
  driver: FaultDriver<FaultParamsOf<T>>
  /** Runs before each injection (in the case's own namespace `ns`). */
  setup(c: TestCluster, ns: string, round: number): Promise<S>
  params(state: S, ns: string): FaultParamsOf<T>
  /** Called as each undo is recorded (blocking kubectl): its effect must not exist yet. */
  atRecord(entry: LedgerEntry, state: S, c: TestCluster, ns: string): void
  effect(state: S, c: TestCluster, ns: string, entries: LedgerEntry[]): Promise<unknown>
  reverted(state: S, c: TestCluster, ns: string, h: KubeFaultHarness): Promise<unknown>
}

function defineCase<T extends Type, S>(c: Case<T, S>): Case<T, unknown> {
  return c as unknown as Case<T, unknown>
}

const WAIT = { timeoutMs: 60_000, intervalMs: 200 }
const podUids = (c: TestCluster, ns: string, app: string) =>
  kubectlSync(c, [
    '-n',
    ns,
    'get',
    'pods',
    '-l',
    `app=${app}`,
    '-o',
    'jsonpath={.items[*].metadata.uid}',
  ])
    .split(' ')
    .filter(Boolean)
const unschedulable = (c: TestCluster, node: string) =>
  kubectlSync(c, ['get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}']).trim() === 'true'
const replicas = (c: TestCluster, ns: string, name: string) =>
  Number(kubectlSync(c, ['-n', ns, 'get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}']))
const policies = (c: TestCluster, ns: string) =>
  kubectlSync(c, ['-n', ns, 'get', 'networkpolicies', '-o', 'jsonpath={.items[*].metadata.name}'])
    .split(' ')
    .filter(Boolean)
const isolatedPods = (c: TestCluster, ns: string) =>
  kubectlSync(c, ['-n', ns, 'get', 'pods', '-l', 'ordeal.dev/isolated', '-o', 'name'])
    .split('\n')
    .filter(Boolean)

const cases: { [T in Type]: Case<T, unknown> } = {
  'pod-delete': defineCase({
    driver: podDeleteFault,
    setup: (c, ns) => deploy(c, 'web', ns, 2),
    params: () => ({
      type: 'pod-delete',
      pods: { workload: 'deployment/web', mode: 'one' },
      force: true,
      duration: '30s',
    }),
    atRecord: (entry, _s, c, ns) => {
      assert.equal(entry.undo.kind, 'none')
      const uid = /\(uid ([^)]+)\)/.exec(entry.undo.label)?.[1]
      assert.ok(uid && podUids(c, ns, 'web').includes(uid), 'pod deleted before its entry')
    },
    effect: async (_s, c, ns, entries) => {
      const uid = /\(uid ([^)]+)\)/.exec(entries[0]!.undo.label)![1]!
      await waitUntil('the pod to be gone', () => !podUids(c, ns, 'web').includes(uid), WAIT)
    },
    reverted: async (_s, c, ns, h) => {
      // A deletion is not undone by ordeal: the ReplicaSet re-creates the pod, and the revert
      // reports how long the Deployment took to be fully available again.
      assert.equal(podUids(c, ns, 'web').length, 2)
      assert.equal(h.recoveries.at(-1)?.workload, 'deployment/web')
      assert.equal(h.recoveries.at(-1)?.recovered, true)
    },
  }),
  'workload-scale': defineCase({
    driver: workloadScaleFault,
    setup: (c, ns) => deploy(c, 'api', ns, 3),
    params: () => ({
      type: 'workload-scale',
      workload: 'deployment/api',
      replicas: 1,
      duration: '30s',
    }),
    atRecord: (entry, _s, c, ns) => {
      assert.equal(entry.undo.kind, 'kubernetes')
      assert.equal(replicas(c, ns, 'api'), 3, 'scaled before its undo was recorded')
    },
    effect: (_s, c, ns) => waitUntil('1 replica', () => replicas(c, ns, 'api') === 1, WAIT),
    reverted: async (_s, c, ns, h) => {
      assert.equal(replicas(c, ns, 'api'), 3)
      assert.equal(h.recoveries.at(-1)?.workload, 'deployment/api')
      assert.equal(h.recoveries.at(-1)?.recovered, true)
    },
  }),
  'node-cordon': defineCase({
    driver: nodeCordonFault,
    setup: async () => undefined,
    params: () => ({ type: 'node-cordon', nodes: { name: 'kwok-node-1' }, duration: '30s' }),
    atRecord: (entry, _s, c) => {
      assert.equal(entry.undo.kind, 'kubernetes')
      assert.ok(!unschedulable(c, 'kwok-node-1'), 'cordoned before its undo was recorded')
    },
    effect: (_s, c) => waitUntil('cordoned', () => unschedulable(c, 'kwok-node-1'), WAIT),
    reverted: async (_s, c) => {
      assert.ok(!unschedulable(c, 'kwok-node-1'))
    },
  }),
  'node-drain': defineCase({
    driver: nodeDrainFault,
    // A fresh Deployment per round, spread one pod per node: kwok-node-2 always has one.
    setup: async (c, ns, round) => {
      const app = `drain-${round}`
      await deploy(c, app, ns, 2, { spread: true })
      return app
    },
    params: () => ({
      type: 'node-drain',
      nodes: { name: 'kwok-node-2' },
      evictionTimeout: '5s',
      duration: '30s',
    }),
    atRecord: (entry, _app, c) => {
      if (entry.undo.kind === 'kubernetes') {
        assert.ok(!unschedulable(c, 'kwok-node-2'), 'cordoned before its undo was recorded')
      } else {
        // Every pod of the node is evicted, whatever its namespace (the other cases' too).
        const [, podNs, name] = /pod ([^/]+)\/(\S+)/.exec(entry.undo.label) ?? []
        assert.ok(podNs && name, entry.undo.label)
        kubectlSync(c, ['-n', podNs, 'get', 'pod', name]) // throws if already evicted
      }
    },
    effect: async (app: string, c, ns) => {
      assert.ok(unschedulable(c, 'kwok-node-2'))
      // Evicted from kwok-node-2, re-created on kwok-node-1.
      await waitUntil(
        `both ${app} pods on kwok-node-1`,
        async () =>
          (await jsonpath(
            c,
            ['-n', ns, 'get', 'pods', '-l', `app=${app}`],
            '{.items[*].spec.nodeName}'
          )) === 'kwok-node-1 kwok-node-1',
        WAIT
      )
    },
    reverted: async (app: string, c, _ns, h) => {
      assert.ok(!unschedulable(c, 'kwok-node-2'))
      // The evicted pod's Deployment is fully available again on kwok-node-1.
      const outcome = h.recoveries.find((r) => r.workload === `deployment/${app}`)
      assert.equal(outcome?.recovered, true, JSON.stringify(h.recoveries))
    },
  }),
  'network-isolate': defineCase({
    driver: networkIsolateFault,
    setup: (c, ns) => deploy(c, 'iso', ns, 2),
    params: () => ({
      type: 'network-isolate',
      pods: { labels: { app: 'iso' }, mode: 'all' },
      direction: 'ingress',
      duration: '30s',
    }),
    atRecord: (entry, _s, c, ns) => {
      assert.equal(entry.undo.kind, 'kubernetes')
      if (entry.undo.kind === 'kubernetes' && entry.undo.request.op === 'delete') {
        assert.deepEqual(policies(c, ns), [], 'policy created before its undo was recorded')
        assert.equal(isolatedPods(c, ns).length, 2, 'the pods are labelled first')
      } else if (entry.undo.kind === 'kubernetes') {
        const pod = /from pod [^/]+\/(\S+)/.exec(entry.undo.label)![1]!
        const labels = kubectlSync(c, [
          '-n',
          ns,
          'get',
          'pod',
          pod,
          '-o',
          'jsonpath={.metadata.labels}',
        ])
        assert.ok(!labels.includes('ordeal.dev/isolated'), 'labelled before its undo was recorded')
      }
    },
    effect: async (_s, c, ns) => {
      const [name] = policies(c, ns)
      assert.match(name ?? '', /^ordeal-isolate-[0-9a-f]{10}$/)
      const policy = JSON.parse(
        await c.kubectl(['-n', ns, 'get', 'networkpolicy', name!, '-o', 'json'])
      ) as {
        metadata: { labels: Record<string, string> }
        spec: { podSelector: unknown; policyTypes: string[]; ingress?: unknown; egress?: unknown }
      }
      const id = name!.slice('ordeal-isolate-'.length)
      assert.deepEqual(policy.spec.podSelector, { matchLabels: { 'ordeal.dev/isolated': id } })
      assert.deepEqual(policy.spec.policyTypes, ['Ingress'])
      assert.equal(policy.spec.ingress, undefined, 'no rules: deny all')
      assert.equal(policy.metadata.labels['app.kubernetes.io/managed-by'], 'ordeal')
      assert.equal(isolatedPods(c, ns).length, 2)
    },
    reverted: async (_s, c, ns) => {
      assert.deepEqual(policies(c, ns), [])
      assert.deepEqual(isolatedPods(c, ns), [])
    },
  }),
}

let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
})
after(() => cluster?.stop())

test('every Kubernetes fault type has a registered driver and a conformance case', () => {
  for (const type of TYPES) {
    assert.equal(faultDrivers[type], cases[type].driver)
  }
})

for (const type of TYPES) {
  const c = cases[type] as Case<Type, unknown>
  describe(`conformance: ${type}`, { timeout: 240_000 }, () => {
    let h: KubeFaultHarness
    const ns = `conf-${type}`
    before(async () => {
      await cluster.namespace(ns)
      h = await KubeFaultHarness.create(cluster, ns)
    })
    after(() => h?.cleanup())

    test('inject → effect → revert → revert again → inject again after revert', async () => {
      for (const round of [1, 2]) {
        const state = await c.setup(cluster, ns, round)
        const ctx = h.context(c.params(state, ns))
        const entries: LedgerEntry[] = []
        h.ledger.onRecord = (entry) => {
          c.atRecord(entry, state, cluster, ns)
          entries.push(entry)
        }
        let injection: Injection
        try {
          injection = await c.driver.inject(ctx)
        } finally {
          h.ledger.onRecord = undefined
        }
        assert.ok(entries.length > 0, `round ${round}: nothing recorded in the ledger`)
        assert.ok(injection.targets.length > 0, `round ${round}: no targets reported`)
        assert.ok(h.actions.length > 0, `round ${round}: no action journaled`)
        const pendingIds = () =>
          h.ledger
            .pending()
            .filter((e) => e.faultId === ctx.fault.id)
            .map((e) => e.id)
        assert.deepEqual(pendingIds().sort(), entries.map((e) => e.id).sort())
        for (const entry of entries) {
          assert.equal(entry.deadline, ctx.deadline)
          if (entry.undo.kind === 'kubernetes') {
            assert.deepEqual(entry.undo.connection, { kubeconfig: cluster.kubeconfig })
          }
        }

        await c.effect(state, cluster, ns, entries)
        ctx.controller.abort() // the fault's duration ends
        await injection.revert()
        await injection.settle?.(new AbortController().signal)
        await c.reverted(state, cluster, ns, h)
        assert.deepEqual(pendingIds(), [], `round ${round}: ledger entries left after revert`)

        const reported = h.recoveries.length
        await injection.revert()
        await injection.settle?.(new AbortController().signal)
        await c.reverted(state, cluster, ns, h)
        assert.deepEqual(pendingIds(), [])
        assert.equal(h.recoveries.length, reported, 'a second revert reports nothing again')
      }
    })

    test('describe gives dry-run lines and touches nothing', () => {
      const before = h.ledger.pending().length
      const lines = c.driver.describe(c.params(undefined, ns), { baseDir: '.' })
      assert.ok(lines.length > 0 && lines.every((l) => l.length > 0))
      assert.equal(h.ledger.pending().length, before)
    })

    test('refused without spec.system.kubernetes', async () => {
      const ctx = { ...h.context(c.params(undefined, ns)), kubernetes: undefined }
      await assert.rejects(c.driver.inject(ctx), {
        name: 'FaultInjectionError',
        message: `${type} needs spec.system.kubernetes`,
      })
    })
  })
}
