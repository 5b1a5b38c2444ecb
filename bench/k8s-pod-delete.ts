/**
 * Benchmark, against the real test control plane (scripts/k8s-test-cluster.sh):
 *
 * - **pod-delete activation lag**: scheduled → the API server accepted the delete, seen by an
 *   independent watch on the pods (the DELETED event; force delete, so the pod goes at once).
 *   ordeal: N serial `pod-delete` steps through the real engine (`after: 5ms`, scheduled =
 *   step start + 5 ms). Baseline: a bare client-node `deleteNamespacedPod` after the same 5 ms
 *   timer, measured with the same watch.
 * - **recovery detection lag**: after a pod of a Deployment is deleted, when each detector
 *   notices that the Deployment is fully available again, minus when an independent watch on
 *   the Deployment saw it so (the reference). Detectors: ordeal's watch-based recovery (its
 *   `fault.recovery` event), and polling the Deployment every 1 s (the usual alternative).
 *
 * Run: node --import tsx bench/k8s-pod-delete.ts [events]
 */
import os from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import path from 'node:path'
import { AppsV1Api, CoreV1Api, Watch, type V1Deployment, type V1Pod } from '@kubernetes/client-node'
import { resolve } from '../src/experiment/define.js'
import { startRun } from '../src/engine/runner.js'
import { sleep } from '../src/shared/duration.js'
import { startTestCluster, type TestCluster } from '../test/support/k8s-cluster.js'

const events = Number(process.argv[2] ?? 50)
const now = () => performance.timeOrigin + performance.now()
const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-k8s-'))
process.env['ORDEAL_STATE_DIR'] = path.join(dir, 'state')
const NS = 'bench'
const AFTER_MS = 5
const SETTLE = '1500ms'

export function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return { n: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN }
}

/** Fully available, as ordeal defines it: every desired replica updated, ready, available. */
export function fullyAvailable(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1
  const s = d.status ?? {}
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.replicas ?? 0) === want &&
    (s.updatedReplicas ?? 0) === want &&
    (s.readyReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  )
}

/** Records when each pod's deletion is first seen, and when the Deployment is available. */
class Reference {
  deleted = new Map<string, number>()
  /** Every Deployment event: when, and whether it was fully available then. */
  seen: { at: number; available: boolean }[] = []
  private controllers: AbortController[] = []
  constructor(private cluster: TestCluster) {}
  async start(): Promise<void> {
    const watch = new Watch(this.cluster.config)
    const onPod = (type: string, pod: V1Pod) => {
      const name = pod.metadata?.name ?? ''
      if ((type === 'DELETED' || pod.metadata?.deletionTimestamp) && !this.deleted.has(name)) {
        this.deleted.set(name, now())
      }
    }
    const onDeployment = (_type: string, d: V1Deployment) => {
      this.seen.push({ at: now(), available: fullyAvailable(d) })
    }
    this.controllers.push(
      await watch.watch(`/api/v1/namespaces/${NS}/pods`, {}, onPod, () => undefined),
      await watch.watch(
        `/apis/apps/v1/namespaces/${NS}/deployments`,
        {},
        onDeployment,
        () => undefined
      )
    )
  }
  /**
   * When the Deployment was seen fully available again after a deletion at `since`: the
   * first available event after the first unavailable one (a status that never dipped, 10 s
   * on, counts from `since`).
   */
  async availableAfter(since: number): Promise<number> {
    const deadline = now() + 10_000
    for (;;) {
      const after = this.seen.filter((e) => e.at > since)
      const dip = after.findIndex((e) => !e.available)
      const from = dip >= 0 ? after.slice(dip) : now() > deadline ? after : []
      const back = from.find((e) => e.available)
      if (back) {
        return back.at
      }
      await sleep(2)
    }
  }
  stop(): void {
    this.controllers.forEach((c) => c.abort())
  }
}

async function deployment(cluster: TestCluster, replicas: number): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${NS} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.invalid/web:1 }] }
`,
  })
  await cluster.kubectl(
    ['wait', '--for=condition=Available', '--timeout=120s', '-n', NS, 'deployment/web'],
    {
      timeoutMs: 130_000,
    }
  )
}

async function baselineLag(cluster: TestCluster, ref: Reference): Promise<number[]> {
  const core = cluster.config.makeApiClient(CoreV1Api)
  const lags: number[] = []
  for (let i = 0; i < events; i++) {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp)
    const pod = live[Math.floor(Math.random() * live.length)]
    if (!pod) {
      throw new Error(`no live pod: ${pods.items.length} listed, iteration ${i}`)
    }
    const scheduled = now() + AFTER_MS
    await sleep(AFTER_MS)
    await core.deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: NS,
      body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
    })
    await until(() => ref.deleted.has(pod.metadata!.name!))
    lags.push(ref.deleted.get(pod.metadata!.name!)! - scheduled)
    // The next deletion starts from a fully available Deployment, as ordeal's steps do.
    await ref.availableAfter(scheduled)
  }
  return lags
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await sleep(1)
  }
}

function podDeleteRun(cluster: TestCluster, steps: number, name: string) {
  return resolve(
    {
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: { name },
      spec: {
        hypothesis: 'pods are deleted on time',
        deadline: '30m',
        system: {
          kubernetes: { namespace: NS, kubeconfig: cluster.kubeconfig, maxPodsPerFault: 1 },
        },
        // Each deletion, then a pause for the ReplicaSet to replace the pod.
        steps: Array.from({ length: steps }, (_, i) => [
          {
            name: `delete-${i}`,
            fault: {
              type: 'pod-delete' as const,
              pods: { workload: 'deployment/web', mode: 'one' as const },
              force: true,
              after: `${AFTER_MS}ms`,
              duration: '1ms',
            },
          },
          { name: `settle-${i}`, wait: SETTLE },
        ]).flat(),
      },
    },
    { baseDir: dir }
  )
}

/** ordeal's lag: each step's scheduled injection → the watch saw a pod of it deleted. */
async function ordealLag(cluster: TestCluster, ref: Reference): Promise<number[]> {
  const scheduled: number[] = []
  const started = new Map<string, number>()
  const before = new Set(ref.deleted.keys())
  const run = startRun(podDeleteRun(cluster, events, 'bench-pod-delete-lag'), {
    onEvent: (e) => {
      if (e.type === 'step.started') {
        started.set(e.stepId, now())
      } else if (e.type === 'fault.injected') {
        scheduled.push(started.get(e.stepId)! + AFTER_MS)
      }
    },
  })
  const result = await run.result
  if (result.verdict !== 'pass') {
    throw new Error(`bench run: ${result.verdict}: ${result.reason ?? ''}`)
  }
  await sleep(200)
  const deletions = [...ref.deleted.entries()].filter(([n]) => !before.has(n)).map(([, t]) => t)
  deletions.sort((a, b) => a - b)
  return deletions.map((t, i) => t - scheduled[i]!)
}

/**
 * A poller reading the Deployment every 1 s, running since before the faults (so its phase
 * against each recovery is random, as in practice): how late it notices, against the
 * reference watch. Also returns the recovery times themselves (delete → available).
 */
async function pollingLag(
  cluster: TestCluster,
  ref: Reference,
  trials: number
): Promise<{ lags: number[]; recovery: number[] }> {
  const core = cluster.config.makeApiClient(CoreV1Api)
  const apps = cluster.config.makeApiClient(AppsV1Api)
  const polls: { at: number; available: boolean }[] = []
  let polling = true
  const poller = (async () => {
    while (polling) {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS })
      polls.push({ at: now(), available: fullyAvailable(d) })
      await sleep(1000)
    }
  })()
  const lags: number[] = []
  const recovery: number[] = []
  try {
    for (let i = 0; i < trials; i++) {
      await sleep(Math.random() * 1000)
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' })
      const pod = pods.items.find((p) => !p.metadata?.deletionTimestamp)!
      const deletedAt = now()
      await core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: NS,
        gracePeriodSeconds: 0,
      })
      const available = await ref.availableAfter(deletedAt)
      recovery.push(available - deletedAt)
      await until(() => polls.some((p) => p.at > available && p.available))
      lags.push(polls.find((p) => p.at > available && p.available)!.at - available)
    }
  } finally {
    polling = false
    await poller
  }
  return { lags, recovery }
}

/** ordeal's watch-based recovery: when its fault.recovery event arrives, against the reference. */
async function ordealRecoveryLag(
  cluster: TestCluster,
  ref: Reference,
  trials: number
): Promise<number[]> {
  const lags: number[] = []
  let injectedAt = 0
  const noticed: { at: number; since: number }[] = []
  const run = startRun(podDeleteRun(cluster, trials, 'bench-recovery'), {
    onEvent: (e) => {
      if (e.type === 'fault.injected') {
        injectedAt = now()
      } else if (e.type === 'fault.recovery') {
        noticed.push({ at: now(), since: injectedAt })
      }
    },
  })
  const result = await run.result
  if (noticed.length === 0) {
    throw new Error(`no fault.recovery event (verdict ${result.verdict}: ${result.reason ?? ''})`)
  }
  for (const { at, since } of noticed) {
    lags.push(at - (await ref.availableAfter(since)))
  }
  return lags
}

const fmt = (x: number) => x.toFixed(1)
const cluster = await startTestCluster()
try {
  await cluster.namespace(NS)
  await deployment(cluster, 10)
  const ref = new Reference(cluster)
  await ref.start()
  const rows: string[] = []
  const row = (name: string, o: number[] | string, b: number[]) => {
    const bq = quantiles(b)
    if (typeof o === 'string') {
      rows.push(`| ${name} | ${bq.n} | ${o} | | | ${fmt(bq.p50)} | ${fmt(bq.p99)} | |`)
      return
    }
    const oq = quantiles(o)
    rows.push(
      `| ${name} | ${oq.n} | ${fmt(oq.p50)} | ${fmt(oq.p99)} | ${fmt(oq.max)} | ${fmt(bq.p50)} | ${fmt(bq.p99)} | ${fmt(oq.p99 / bq.p99)} |`
    )
  }
  const failed = (error: unknown) =>
    `n/a: ${error instanceof Error ? error.message : String(error)}`
      .replace(/\|/g, '/')
      .slice(0, 160)

  const baseline = await baselineLag(cluster, ref)
  row(
    'pod-delete activation lag (ms), baseline: bare client-node delete',
    await ordealLag(cluster, ref).catch(failed),
    baseline
  )
  const trials = Math.max(5, Math.min(20, Math.floor(events / 5)))
  const polling = await pollingLag(cluster, ref, trials)
  row(
    'recovery detection lag (ms), ordeal watch vs baseline: polling every 1 s',
    await ordealRecoveryLag(cluster, ref, trials).catch(failed),
    polling.lags
  )
  const recovery = quantiles(polling.recovery)
  rows.push(
    `\nrecovery time itself (pod deleted → Deployment fully available, reference watch): p50 ${fmt(recovery.p50)} ms, max ${fmt(recovery.max)} ms over ${recovery.n}`
  )
  ref.stop()
  console.log(
    `\n${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · node ${process.version}`
  )
  console.log(
    '| measure | events | ordeal p50 | ordeal p99 | ordeal max | baseline p50 | baseline p99 | p99 ratio |'
  )
  console.log('|---|---|---|---|---|---|---|---|')
  rows.forEach((r) => console.log(r))
} finally {
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
