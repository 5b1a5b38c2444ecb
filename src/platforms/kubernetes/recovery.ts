/**
 * The recovery time of a workload: watches it and its pods from before the fault acts until
 * it is fully available again (availability.ts). Event-driven: a watch on the workload (by
 * name) and one on its pods (by its selector). After each `acted`, the state is re-listed
 * (a quorum read, so it reflects the action) and the watches restart from that list: a stale
 * event from before the action can never count as "recovered". A dropped watch or a 410 Gone
 * re-lists and re-watches the same way. Not recovered while the last list or watch failed is
 * an `error` (could not be measured), not a workload seen not recovering.
 * @module
 */
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node'
import { formatDuration } from '../../shared/duration.js'
import { kubeErrorMessage, kubeRequestOk } from '../../safety/kube-request.js'
import type { RecoveryOutcome, RecoveryWatch, WorkloadRef } from './contract.js'
import { availability, type Availability, type WorkloadState } from './availability.js'
import { selectorObjectToString, type LabelSelectorObject } from './label-selector.js'
import { controllerOf } from './pods.js'
import { workloadApiPath, workloadCollectionPath, workloadName } from './workload.js'

export interface RecoveryOptions {
  /** The system's namespace: outcomes name workloads elsewhere with their namespace. */
  defaultNamespace?: string
  clock?: () => number
  /** Pause before re-watching after a dropped watch (not a poll: one retry per drop). */
  rewatchDelayMs?: number
}

interface WorkloadObject extends WorkloadState {
  metadata?: {
    generation?: number
    uid?: string
    resourceVersion?: string
  }
  spec?: { replicas?: number; selector?: LabelSelectorObject }
}

interface ListOf<T> {
  metadata?: { resourceVersion?: string; continue?: string }
  items: T[]
}

export function watchRecovery(
  kc: KubeConfig,
  workload: WorkloadRef,
  options: RecoveryOptions = {}
): RecoveryWatch {
  const clock = options.clock ?? Date.now
  const name = workloadName(workload, options.defaultNamespace)
  const watch = new Watch(kc)
  let object: WorkloadObject | undefined
  let pods = new Map<string, V1Pod>()
  let ownerUids = new Set<string>()
  let selector = ''
  let generation = 0 // bumps at each (re)sync: events of older watches are dropped
  let controllers: AbortController[] = []
  let closed = false
  let startedAt = clock()
  let actedAt: number | undefined
  /** True once a list taken after the last `acted` is in: only then can it count as recovered. */
  let fresh = false
  let recoveredAt: number | undefined
  let last: Availability = { available: false, detail: 'not yet listed' }
  let failure: string | undefined
  let rewatchTimer: NodeJS.Timeout | undefined
  const waiters = new Set<() => void>()

  const wake = () => {
    for (const w of [...waiters]) {
      w()
    }
  }

  const evaluate = () => {
    last = availability(workload.kind, object, [...pods.values()].filter(owned))
    if (last.available && fresh && recoveredAt === undefined) {
      recoveredAt = clock()
      wake()
    }
  }

  const owned = (pod: V1Pod): boolean => {
    const owner = controllerOf(pod.metadata?.ownerReferences)
    return owner !== undefined && ownerUids.has(owner.uid)
  }

  const stopWatches = () => {
    for (const c of controllers) {
      c.abort()
    }
    controllers = []
  }

  const sync = async (): Promise<void> => {
    const mine = ++generation
    stopWatches()
    try {
      const next = (await kubeRequestOk(kc, {
        method: 'GET',
        path: workloadApiPath(workload),
      })) as WorkloadObject
      const nextSelector = selectorObjectToString(next.spec?.selector ?? {})
      const uids = await ownerUidsOf(next)
      const list = await listPods(nextSelector)
      if (mine !== generation || closed) {
        return
      }
      object = next
      selector = nextSelector
      ownerUids = uids
      pods = new Map(list.items.map((p) => [p.metadata?.uid ?? '', p]))
      failure = undefined
      fresh = true
      evaluate()
      await startWatches(mine, next.metadata?.resourceVersion, list.metadata?.resourceVersion)
    } catch (error) {
      if (mine !== generation || closed) {
        return
      }
      failure = kubeErrorMessage(error)
      scheduleResync()
    }
  }

  const ownerUidsOf = async (next: WorkloadObject): Promise<Set<string>> => {
    const uid = next.metadata?.uid ?? ''
    if (workload.kind !== 'deployment') {
      return new Set([uid])
    }
    const query = new URLSearchParams({
      labelSelector: selectorObjectToString(next.spec?.selector ?? {}),
    })
    const sets = (await kubeRequestOk(kc, {
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${workload.namespace}/replicasets?${query}`,
    })) as ListOf<{ metadata?: { uid?: string; ownerReferences?: never[] } }>
    return new Set(
      sets.items
        .filter((rs) => controllerOf(rs.metadata?.ownerReferences)?.uid === uid)
        .map((rs) => rs.metadata?.uid ?? '')
    )
  }

  const listPods = async (labelSelector: string): Promise<ListOf<V1Pod>> => {
    const query = new URLSearchParams({ labelSelector })
    return (await kubeRequestOk(kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${workload.namespace}/pods?${query}`,
    })) as ListOf<V1Pod>
  }

  const startWatches = async (
    mine: number,
    workloadVersion: string | undefined,
    podsVersion: string | undefined
  ) => {
    const onDone = (error: unknown) => {
      if (mine === generation && !closed) {
        failure = error ? kubeErrorMessage(error) : undefined
        scheduleResync()
      }
    }
    const onEvent =
      (apply: (type: string, obj: unknown) => void) => (type: string, obj: unknown) => {
        if (mine !== generation || closed) {
          return
        }
        if (type === 'ERROR') {
          // 410 Gone (resourceVersion too old) or another error: start over from a list.
          scheduleResync(0)
          return
        }
        if (type === 'BOOKMARK') {
          return
        }
        apply(type, obj)
        evaluate()
      }
    const workloadWatch = await watch.watch(
      workloadCollectionPath(workload.kind, workload.namespace),
      {
        fieldSelector: `metadata.name=${workload.name}`,
        resourceVersion: workloadVersion,
        allowWatchBookmarks: true,
      },
      onEvent((type, obj) => {
        object = type === 'DELETED' ? undefined : (obj as WorkloadObject)
        const next = object?.spec?.selector
        if (next !== undefined && selectorObjectToString(next) !== selector) {
          scheduleResync(0) // its selector changed: the pod watch watches the wrong pods
        }
      }),
      onDone
    )
    const podWatch = await watch.watch(
      `/api/v1/namespaces/${workload.namespace}/pods`,
      { labelSelector: selector, resourceVersion: podsVersion, allowWatchBookmarks: true },
      onEvent((type, obj) => {
        const pod = obj as V1Pod
        const uid = pod.metadata?.uid ?? ''
        if (type === 'DELETED') {
          pods.delete(uid)
        } else {
          pods.set(uid, pod)
          const owner = controllerOf(pod.metadata?.ownerReferences)
          if (
            workload.kind === 'deployment' &&
            owner?.kind === 'ReplicaSet' &&
            !ownerUids.has(owner.uid)
          ) {
            scheduleResync(0) // a new ReplicaSet (a rollout): learn whether it is the workload's
          }
        }
      }),
      onDone
    )
    if (mine !== generation || closed) {
      workloadWatch.abort()
      podWatch.abort()
      return
    }
    controllers.push(workloadWatch, podWatch)
  }

  const scheduleResync = (delay = options.rewatchDelayMs ?? 1000) => {
    if (closed || rewatchTimer !== undefined) {
      return
    }
    generation++ // events of the current watches no longer count
    rewatchTimer = setTimeout(() => {
      rewatchTimer = undefined
      void sync()
    }, delay)
    rewatchTimer.unref()
  }

  void sync()

  const outcome = (timedOutAfter?: number): RecoveryOutcome => {
    if (recoveredAt !== undefined) {
      return {
        workload: name,
        recovered: true,
        ms: Math.max(0, recoveredAt - (actedAt ?? startedAt)),
      }
    }
    const why = failure ?? last.detail
    const reason =
      timedOutAfter === undefined
        ? `stopped before it was fully available (${why})`
        : `not fully available within ${formatDuration(timedOutAfter)} (${why})`
    // The last list or watch failed: what the workload did is unknown, not "not recovered".
    return {
      workload: name,
      recovered: false,
      reason,
      ...(failure === undefined ? {} : { error: failure }),
    }
  }

  return {
    acted(at = clock()) {
      actedAt = at
      recoveredAt = undefined
      fresh = false
      // Re-list now: the list reflects the action, so the state before it cannot count.
      if (rewatchTimer !== undefined) {
        clearTimeout(rewatchTimer)
        rewatchTimer = undefined
      }
      void sync()
    },
    settled(timeoutMs, signal) {
      if (actedAt === undefined) {
        startedAt = clock()
      }
      return new Promise<RecoveryOutcome>((resolve) => {
        if (recoveredAt !== undefined || signal?.aborted === true) {
          resolve(outcome())
          return
        }
        const finish = (timedOut?: number) => {
          waiters.delete(check)
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(outcome(timedOut))
        }
        const check = () => {
          if (recoveredAt !== undefined || closed) {
            finish()
          }
        }
        const onAbort = () => finish()
        const timer = setTimeout(() => finish(timeoutMs), timeoutMs)
        waiters.add(check)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    close() {
      closed = true
      generation++
      if (rewatchTimer !== undefined) {
        clearTimeout(rewatchTimer)
      }
      stopWatches()
      wake()
    },
  }
}
