/**
 * node-drain: cordons the selected nodes (kubernetes/cordon.ts), then evicts their pods through
 * the Eviction API like kubectl drain: DaemonSet pods (their controller would put them straight
 * back) and mirror pods (the kubelet's own) are skipped, and pods in denied namespaces are
 * skipped and counted, never evicted. The pods are listed before the cordon, so a drain that
 * would evict more than `maxPodsPerFault` is refused before it touches anything.
 *
 * Each pod is evicted once during inject; evictions a PodDisruptionBudget refuses (429) are
 * retried in the background while the fault holds, until `evictionTimeout`, the fault's end
 * (`ctx.signal`) or its ledger deadline, whichever comes first, then reported, not forced: the
 * retries never outlast the fault, so the watchdog never uncordons a node still being drained.
 * Undo uncordons; an eviction has nothing to undo (a `none` entry lists it). `settle`, after
 * the revert, reports the recovery of the evicted pods' workloads.
 * @module
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node'
import { parseDuration, sleep } from '../../shared/duration.js'
import type { KubernetesRun, WorkloadRef } from '../../platforms/kubernetes/contract.js'
import {
  defineFault,
  FaultInjectionError,
  type FaultContext,
  type FaultParamsOf,
} from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { apiFailure } from '../kubernetes/api-error.js'
import { cordon, selectNodes } from '../kubernetes/cordon.js'
import { describeNodes } from '../kubernetes/describe.js'
import { needKubernetes } from '../kubernetes/need.js'
import { controllerOf, topOwners } from '../../platforms/kubernetes/pods.js'
import { podLabel } from '../kubernetes/paths.js'
import { Recoveries } from '../kubernetes/recoveries.js'
import { evictPod, type EvictionOutcome } from './evict.js'

type Params = FaultParamsOf<'node-drain'>

/** Retry window for evictions a budget refuses, unless `evictionTimeout` says otherwise. */
export const DEFAULT_EVICTION_TIMEOUT_MS = 30_000
/** Pause between two tries of an eviction a budget refused. */
const RETRY_MS = 1000

export const nodeDrainFault = defineFault({
  type: 'node-drain',
  describe(params) {
    return [
      `drain ${describeNodes(params.nodes)} for ${params.duration} (cordon, then evict its pods but DaemonSet and mirror pods)`,
    ]
  },
  async inject(ctx) {
    const kube = needKubernetes(ctx)
    const core = kube.config.makeApiClient(CoreV1Api)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const recoveries = new Recoveries(kube)
    const nodes = await selectNodes(ctx, kube, ctx.params.nodes)
    const plans: DrainPlan[] = []
    for (const node of nodes) {
      const listed = await core
        .listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node.name}` })
        .catch((error: unknown) => Promise.reject(apiFailure('node-drain', error)))
      plans.push({ node: node.name, ...sortPods(listed.items, kube.spec.deniedNamespaces) })
    }
    checkCap(plans, kube.spec.maxPodsPerFault)
    const timeoutMs = parseDuration(ctx.params.evictionTimeout ?? '') ?? DEFAULT_EVICTION_TIMEOUT_MS
    const drain = {
      ctx,
      kube,
      core,
      undos,
      recoveries,
      startedAt: Date.now(),
      retryUntil: Math.min(Date.now() + timeoutMs, ctx.deadline),
      targets: [] as string[],
    }
    const retries: Promise<void>[] = []
    try {
      await cordon(ctx, kube, nodes, undos)
      for (const plan of plans) {
        drain.targets.push(`node ${plan.node}`)
        retries.push(...(await drainNode(drain, plan)))
      }
    } catch (error) {
      recoveries.close()
      throw error
    }
    const retrying = Promise.all(retries).then(() => undefined)
    return {
      targets: drain.targets,
      async revert() {
        await retrying // ends with the fault (ctx.signal), at the latest at the deadline
        await undos.revert()
      },
      settle: (signal) => recoveries.settle(ctx, signal),
    }
  },
})

interface DrainPlan {
  node: string
  evict: V1Pod[]
  skipped: Record<string, number>
}

interface Drain {
  ctx: FaultContext<Params>
  kube: KubernetesRun
  core: CoreV1Api
  undos: RecordedUndos
  recoveries: Recoveries
  startedAt: number
  /** Refused evictions are retried until then: `evictionTimeout`, capped at the deadline. */
  retryUntil: number
  /** The injection's targets; refusals are added as they become final. */
  targets: string[]
}

/** Refuses, before anything is cordoned, a drain that would evict more pods than allowed. */
export function checkCap(plans: Pick<DrainPlan, 'node' | 'evict'>[], max: number): void {
  const count = plans.reduce((n, p) => n + p.evict.length, 0)
  if (count > max) {
    const names = plans.map((p) => p.node).join(', ')
    throw new FaultInjectionError(
      `node-drain: draining ${names} would evict ${count} pods, more than spec.system.kubernetes.maxPodsPerFault (${max})`
    )
  }
}

/**
 * Evicts the node's pods once each (all at once); returns the background retries of those a
 * budget refused.
 */
async function drainNode(drain: Drain, plan: DrainPlan): Promise<Promise<void>[]> {
  const { ctx, kube, core, undos, recoveries } = drain
  for (const [why, count] of Object.entries(plan.skipped)) {
    if (count > 0) {
      ctx.action(
        `drain node ${plan.node}: skipped ${count} ${why.replace('pod', count === 1 ? 'pod' : 'pods')}`
      )
    }
  }
  // Watches start before the first eviction, so no workload's dip is missed.
  const workloads = new Map<V1Pod, WorkloadRef | undefined>()
  for (const namespace of new Set(plan.evict.map((p) => p.metadata!.namespace!))) {
    const inNamespace = plan.evict.filter((p) => p.metadata!.namespace === namespace)
    const ownerOf = await topOwners(kube.config, namespace, inNamespace)
    for (const pod of inNamespace) {
      const ref = ownerOf(pod)
      workloads.set(pod, ref)
      if (ref) {
        recoveries.watch(ref)
      }
    }
  }
  const grace = ctx.params.gracePeriod
  const gracePeriodSeconds =
    grace === undefined ? undefined : Math.ceil((parseDuration(grace) ?? 0) / 1000)
  const retries: Promise<void>[] = []
  await Promise.all(
    plan.evict.map(async (pod) => {
      const target = {
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        uid: pod.metadata!.uid!,
      }
      const label = podLabel(target)
      undos.record({
        kind: 'none',
        label: `evicted ${label} from node ${plan.node}: its controller re-creates it`,
      })
      const evicted = () => {
        const ref = workloads.get(pod)
        if (ref) {
          recoveries.acted(ref)
        }
      }
      // The first try is part of inject (an error fails the fault); a 429 is retried later.
      const first = await evictPod(core, target, {
        gracePeriodSeconds,
        deadline: 0,
        signal: ctx.signal,
      })
      if (first.kind === 'evicted') {
        evicted()
        ctx.action(`evicted ${label} from node ${plan.node}`)
      } else if (first.kind === 'gone') {
        ctx.action(`evict ${label}: already gone`)
      } else {
        retries.push(
          retryEviction(drain, plan.node, target, first.by, gracePeriodSeconds, evicted).catch(
            (error: unknown) => ctx.action(`evict ${label}: ${(error as Error).message}`)
          )
        )
      }
    })
  )
  return retries
}

/** Retries an eviction a budget refused, in the background, until `drain.retryUntil`. */
async function retryEviction(
  drain: Drain,
  node: string,
  target: { namespace: string; name: string; uid: string },
  refusedBy: string,
  gracePeriodSeconds: number | undefined,
  evicted: () => void
): Promise<void> {
  const { ctx } = drain
  const label = podLabel(target)
  await sleep(Math.min(RETRY_MS, Math.max(0, drain.retryUntil - Date.now())), ctx.signal)
  const outcome: EvictionOutcome =
    ctx.signal.aborted || Date.now() >= drain.retryUntil
      ? { kind: 'refused', by: refusedBy }
      : await evictPod(drain.core, target, {
          gracePeriodSeconds,
          deadline: drain.retryUntil,
          signal: ctx.signal,
          retryMs: RETRY_MS,
        })
  if (outcome.kind === 'evicted') {
    evicted()
    const refusals = outcome.retries + 1
    ctx.action(
      `evicted ${label} from node ${node} after ${refusals} refusal${refusals === 1 ? '' : 's'} (429)`
    )
  } else if (outcome.kind === 'gone') {
    ctx.action(`evict ${label}: already gone`)
  } else {
    const line = `${label} refused by ${outcome.by}`
    const seconds = Math.round((Date.now() - drain.startedAt) / 1000)
    const until = ctx.signal.aborted ? 'until the fault ended' : `for ${seconds}s`
    ctx.action(`drain node ${node}: ${line} (retried ${until}, not forced)`)
    drain.targets.push(line)
  }
}

/** The pods a drain evicts, and how many it skips for each reason. */
export function sortPods(
  pods: V1Pod[],
  denied: readonly string[]
): { evict: V1Pod[]; skipped: Record<string, number> } {
  // Keys say "pod"; the journal line makes it plural by count.
  const skipped = { 'DaemonSet pod': 0, 'mirror pod': 0, 'pod in denied namespaces': 0 }
  const evict: V1Pod[] = []
  for (const pod of pods) {
    const meta = pod.metadata ?? {}
    if (meta.deletionTimestamp) {
      continue // already terminating
    }
    if (controllerOf(meta.ownerReferences)?.kind === 'DaemonSet') {
      skipped['DaemonSet pod']++
    } else if (meta.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
      skipped['mirror pod']++
    } else if (denied.includes(meta.namespace ?? '')) {
      skipped['pod in denied namespaces']++
    } else {
      evict.push(pod)
    }
  }
  return { evict, skipped }
}
