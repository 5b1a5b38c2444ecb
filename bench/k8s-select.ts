/**
 * Benchmark: selecting among 5,000 pods.
 *
 * - **pure**: ordeal's `pickTargets` (sort, mode, caps, maxPodsPerFault, the report line) over
 *   5,000 PodTargets, per mode. Baseline: a bare Fisher-Yates pick of the same count.
 * - **real**: 5,000 pods created in the test cluster (directly, with a scheduler name no
 *   scheduler serves, so they stay Pending and cost the machine nothing but the list), then
 *   `KubernetesRun.selectPods` (deny list, label selector, paged list of 500, mode, caps) as a
 *   fault calls it. Baseline: one bare client-node `listNamespacedPod` with the same selector.
 *   The pods' creation time is reported: a ReplicaSet of 5,000 was measured first and creates
 *   only about 20 pods/s (the controller-manager's default API rate), 4 min for 5,000.
 *
 * Run: node --import tsx bench/k8s-select.ts [pods] [iterations]
 */
import os from 'node:os'
import { CoreV1Api } from '@kubernetes/client-node'
import type { PodTarget } from '../src/platforms/kubernetes/contract.js'
import { connectKubernetes } from '../src/platforms/kubernetes/connect.js'
import { pickTargets } from '../src/platforms/kubernetes/select.js'
import type { SelectionMode } from '../src/faults/select.js'
import { startTestCluster } from '../test/support/k8s-cluster.js'

const PODS = Number(process.argv[2] ?? 5000)
const ITERATIONS = Number(process.argv[3] ?? 50)
const NS = 'bench'

function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return { n: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN }
}

async function timed(n: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return times
}

function bareFisherYates<T>(items: T[], count: number): T[] {
  const copy = [...items]
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, count)
}

const rows: string[] = []
const fmt = (x: number) => (x < 10 ? x.toFixed(3) : x.toFixed(1))
function row(name: string, o: number[], b: number[]): void {
  const oq = quantiles(o)
  const bq = quantiles(b)
  rows.push(
    `| ${name} | ${oq.n} | ${fmt(oq.p50)} | ${fmt(oq.p99)} | ${fmt(bq.p50)} | ${fmt(bq.p99)} | ${(oq.p50 / bq.p50).toFixed(1)} |`
  )
}

// Pure selection over PodTargets.
const targets: PodTarget[] = Array.from({ length: PODS }, (_, i) => ({
  namespace: NS,
  name: `big-${String(i).padStart(5, '0')}-${(i * 7919) % 100000}`,
  uid: `uid-${i}`,
  labels: { app: 'big' },
  workload: { kind: 'deployment', namespace: NS, name: 'big' },
}))
const modes: [string, SelectionMode, number | undefined, number][] = [
  ['one', 'one', undefined, 1],
  ['fixed 10', 'fixed', 10, 10],
  ['fixed-percent 10', 'fixed-percent', 10, Math.ceil(PODS / 10)],
  ['all, maxPodsPerFault 10', 'all', undefined, 10],
]
for (const [label, mode, value, count] of modes) {
  const pick = () =>
    pickTargets(
      targets,
      { mode, value },
      {
        subject: `labelled app=big in ${NS}`,
        noun: ['pod', 'pods'],
        hardCap: { limit: 10, name: 'maxPodsPerFault' },
        report: () => undefined,
      }
    )
  row(
    `pure pick among ${PODS} (${label}), ms`,
    await timed(ITERATIONS * 4, pick),
    await timed(ITERATIONS * 4, () => bareFisherYates(targets, Math.min(count, 10)))
  )
}

// Real list of PODS pods.
const cluster = await startTestCluster()
let created = ''
try {
  await cluster.namespace(NS)
  const core = cluster.config.makeApiClient(CoreV1Api)
  const start = performance.now()
  let next = 0
  const worker = async () => {
    while (next < PODS) {
      const i = next++
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name: `big-${i}`, labels: { app: 'big' } },
          spec: {
            schedulerName: 'nobody',
            containers: [{ name: 'c', image: 'example.invalid/c:1' }],
          },
        },
      })
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  const seconds = (performance.now() - start) / 1000
  created = `${PODS} pods created directly (16 concurrent client-node calls) in ${seconds.toFixed(1)} s (${(PODS / seconds).toFixed(0)}/s)`

  const run = await connectKubernetes(
    {
      namespace: NS,
      kubeconfig: cluster.kubeconfig,
      deniedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
      maxPodsPerFault: 10,
    },
    { env: {} }
  )
  try {
    const ordeal = await timed(ITERATIONS, async () => {
      const picked = await run.selectPods(
        { labels: { app: 'big' }, mode: 'fixed', value: 10 },
        () => undefined
      )
      if (picked.length !== 10) {
        throw new Error(`picked ${picked.length}`)
      }
    })
    const bare = await timed(ITERATIONS, async () => {
      const list = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=big' })
      if (list.items.length !== PODS) {
        throw new Error(`listed ${list.items.length}`)
      }
    })
    row(`real: select 10 of ${PODS} pods by label (paged list + pick), ms`, ordeal, bare)
  } finally {
    run.close()
  }
} finally {
  await cluster.stop()
}
console.log(
  `\n${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · node ${process.version}`
)
console.log(
  '| measure | iterations | ordeal p50 | ordeal p99 | baseline p50 | baseline p99 | p50 ratio |'
)
console.log('|---|---|---|---|---|---|---|')
rows.forEach((r) => console.log(r))
console.log(`\n${created}`)
