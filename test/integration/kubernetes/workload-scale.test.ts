/**
 * workload-scale against a real control plane: a real 409 Conflict (the Deployment changed
 * between the fault's read and its write) is retried; the undo restores the old count; a count
 * someone changed during the fault is left alone.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { injectScale, workloadScaleFault } from '../../../src/faults/workload-scale/index.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { KubeFaultHarness } from '../../support/k8s-fault-context.js'
import { deploy, jsonpath } from '../../support/k8s-fault-objects.js'

let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
})
after(() => cluster?.stop())

const replicas = async (ns: string, name: string) =>
  Number(await jsonpath(cluster, ['-n', ns, 'get', 'deployment', name], '{.spec.replicas}'))
const params = {
  type: 'workload-scale',
  workload: 'deployment/api',
  replicas: 1,
  duration: '30s',
} as const

test(
  'a 409 Conflict on the scale is retried, then the undo restores the count',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('conflict')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'api', ns, 3)
      const bumps: number[] = []
      const ctx = h.context(params)
      const injection = await injectScale(ctx, {
        backoffMs: 10,
        // Twice, someone else writes the Deployment between the fault's read and its write: its
        // resourceVersion moves on, so the write is a real 409 from the API server.
        beforeWrite: async (attempt) => {
          if (attempt < 2) {
            bumps.push(attempt)
            await cluster.kubectl([
              '-n',
              ns,
              'annotate',
              'deployment',
              'api',
              `bump=${attempt}`,
              '--overwrite',
            ])
          }
        },
      })
      assert.deepEqual(bumps, [0, 1])
      assert.ok(
        h.actions.includes('scaled deployment/api from 3 to 1 replicas after 2 conflict retries'),
        h.actions.join('\n')
      )
      assert.equal(await replicas(ns, 'api'), 1)
      assert.equal(h.ledger.pending().length, 1, 'one undo: the count read never changed')
      ctx.controller.abort()
      await injection.revert()
      await injection.settle?.(new AbortController().signal)
      assert.equal(await replicas(ns, 'api'), 3)
      assert.equal(h.ledger.pending().length, 0)
      assert.equal(h.recoveries.at(-1)?.recovered, true)
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'conflicts past the retries fail the fault in one line; nothing scaled',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('conflicts')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'api', ns, 3)
      await assert.rejects(
        injectScale(h.context(params), {
          backoffMs: 10,
          beforeWrite: (attempt) =>
            cluster
              .kubectl([
                '-n',
                ns,
                'annotate',
                'deployment',
                'api',
                `bump=${attempt}`,
                '--overwrite',
              ])
              .then(() => undefined),
        }),
        (error: Error) => {
          assert.equal(error.name, 'FaultInjectionError')
          assert.match(
            error.message,
            /^workload-scale: Operation cannot be fulfilled on deployments.apps "api"/
          )
          assert.ok(!error.message.includes('\n'))
          return true
        }
      )
      assert.equal(await replicas(ns, 'api'), 3)
    } finally {
      await h.cleanup()
    }
  }
)

test(
  'a count changed during the fault is left alone by the revert, and said so',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('changed')
    const h = await KubeFaultHarness.create(cluster, ns)
    try {
      await deploy(cluster, 'api', ns, 3)
      const ctx = h.context(params)
      const injection = await workloadScaleFault.inject(ctx)
      assert.equal(await replicas(ns, 'api'), 1)
      await cluster.kubectl(['-n', ns, 'scale', 'deployment/api', '--replicas=5'])
      ctx.controller.abort()
      await injection.revert()
      await injection.settle?.(new AbortController().signal)
      assert.equal(await replicas(ns, 'api'), 5, "someone else's count is not overwritten")
      assert.ok(
        h.actions.includes(
          'left deployment/api alone at 5 replicas: changed during the fault (not restored to 3)'
        ),
        h.actions.join('\n')
      )
      assert.equal(h.ledger.pending().length, 0, 'left alone counts as undone: no endless retries')
      assert.deepEqual(h.recoveries, [])
    } finally {
      await h.cleanup()
    }
  }
)
