/**
 * Candidate pods for a pod selector: the API matches labels and fields; ordeal adds what a
 * selector cannot say: "owned by this workload" (a Deployment owns pods through its
 * ReplicaSets, so a look-alike label on another ReplicaSet's pods does not count), and
 * "not already terminating". Pending pods stay candidates: deleting a pod that is not yet
 * Ready is a legitimate fault (a crash loop, a slow start), and the report names each pod.
 * @module
 */
import type { KubeConfig, V1OwnerReference, V1Pod } from '@kubernetes/client-node'
import type { PodSelectorInput, WorkloadKind } from '../../experiment/kubernetes-schema.js'
import { FaultInjectionError } from '../../faults/contract.js'
import { kubeErrorMessage, kubeErrorStatus } from '../../safety/kube-request.js'
import type { PodTarget, WorkloadRef } from './contract.js'
import {
  combineLabelSelector,
  fieldSelectorError,
  labelSelectorError,
  selectorObjectToString,
  type LabelSelectorObject,
} from './label-selector.js'
import { parseWorkload } from './workload.js'

/** Pages of this many: 5,000 pods come in ten requests, not one huge answer. */
const PAGE = 500

export interface PodQuery {
  namespace: string
  labelSelector?: string | undefined
  fieldSelector?: string | undefined
  /** Only pods whose controller is one of these uids. */
  ownerUids?: Set<string>
}

/** Every pod `selector` matches in `namespace` (deny list checked by the caller). */
export async function candidatePods(
  kc: KubeConfig,
  namespace: string,
  selector: PodSelectorInput
): Promise<PodTarget[]> {
  if (selector.selector !== undefined) {
    const error = labelSelectorError(selector.selector)
    if (error !== undefined) {
      throw new FaultInjectionError(`pods.selector ${error}`)
    }
  }
  if (selector.fieldSelector !== undefined) {
    const error = fieldSelectorError(selector.fieldSelector)
    if (error !== undefined) {
      throw new FaultInjectionError(`pods.fieldSelector ${error}`)
    }
  }
  let labelSelector = combineLabelSelector(selector.labels, selector.selector)
  let ownerUids: Set<string> | undefined
  let workload: WorkloadRef | undefined
  if (selector.workload !== undefined) {
    workload = { ...parseWorkload(selector.workload), namespace }
    const owned = await workloadOwners(kc, workload)
    ownerUids = owned.ownerUids
    labelSelector = [owned.selector, labelSelector].filter((s) => s).join(',') || undefined
  }
  const pods = await listPods(kc, {
    namespace,
    labelSelector,
    fieldSelector: selector.fieldSelector,
    ...(ownerUids === undefined ? {} : { ownerUids }),
  })
  const owners = workload === undefined ? await topOwners(kc, namespace, pods) : undefined
  return pods.map((pod) => toTarget(pod, workload ?? owners?.(pod)))
}

/** Pods by selector, paged, without terminating ones (and only those `ownerUids` control). */
export async function listPods(kc: KubeConfig, query: PodQuery): Promise<V1Pod[]> {
  const { CoreV1Api } = await import('@kubernetes/client-node')
  const api = kc.makeApiClient(CoreV1Api)
  const pods: V1Pod[] = []
  let cont: string | undefined
  do {
    const page = await call(`list pods in ${query.namespace}`, () =>
      api.listNamespacedPod({
        namespace: query.namespace,
        limit: PAGE,
        ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
        ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
        ...(cont ? { _continue: cont } : {}),
      })
    )
    for (const pod of page.items) {
      // Already on its way out: deleting it again acts on nothing, and it would count twice.
      if (pod.metadata?.deletionTimestamp !== undefined) {
        continue
      }
      if (query.ownerUids !== undefined) {
        const uid = controllerOf(pod.metadata?.ownerReferences)?.uid
        if (uid === undefined || !query.ownerUids.has(uid)) {
          continue
        }
      }
      pods.push(pod)
    }
    cont = page.metadata?._continue || undefined
  } while (cont !== undefined)
  return pods
}

/**
 * The workload's own selector and the uids that control its pods: its ReplicaSets for a
 * Deployment (every revision's: a rollout in progress has pods in two), itself otherwise.
 */
export async function workloadOwners(
  kc: KubeConfig,
  workload: WorkloadRef
): Promise<{ selector: string; ownerUids: Set<string>; uid: string }> {
  const object = await readWorkload(kc, workload)
  const uid = object.metadata?.uid ?? ''
  const selector = selectorObjectToString(object.spec?.selector ?? {})
  if (selector === '') {
    throw new FaultInjectionError(`${workload.kind}/${workload.name} has an empty selector`)
  }
  if (workload.kind !== 'deployment') {
    return { selector, ownerUids: new Set([uid]), uid }
  }
  const { AppsV1Api } = await import('@kubernetes/client-node')
  const api = kc.makeApiClient(AppsV1Api)
  const sets = await call(`list replicasets in ${workload.namespace}`, () =>
    api.listNamespacedReplicaSet({ namespace: workload.namespace, labelSelector: selector })
  )
  const ownerUids = new Set(
    sets.items
      .filter((rs) => controllerOf(rs.metadata?.ownerReferences)?.uid === uid)
      .map((rs) => rs.metadata?.uid ?? '')
  )
  return { selector, ownerUids, uid }
}

interface WorkloadObject {
  metadata?: { uid?: string; name?: string }
  spec?: { selector?: LabelSelectorObject }
}

/** GETs a Deployment, StatefulSet or DaemonSet; a 404 names it. */
export async function readWorkload(kc: KubeConfig, workload: WorkloadRef): Promise<WorkloadObject> {
  const { AppsV1Api } = await import('@kubernetes/client-node')
  const api = kc.makeApiClient(AppsV1Api)
  const args = { name: workload.name, namespace: workload.namespace }
  const what = `${workload.kind}/${workload.name}`
  try {
    switch (workload.kind) {
      case 'deployment':
        return await api.readNamespacedDeployment(args)
      case 'statefulset':
        return await api.readNamespacedStatefulSet(args)
      case 'daemonset':
        return await api.readNamespacedDaemonSet(args)
    }
  } catch (error) {
    if (kubeErrorStatus(error) === 404) {
      throw new FaultInjectionError(`${what} not found in namespace ${workload.namespace}`)
    }
    throw new FaultInjectionError(`read ${what}: ${kubeErrorMessage(error)}`, { cause: error })
  }
}

/**
 * A function naming each pod's top workload from owner references: ReplicaSet → its
 * Deployment (one list of the namespace's ReplicaSets, only when a pod has one), StatefulSet
 * and DaemonSet directly. Bare pods and Jobs have none.
 */
export async function topOwners(
  kc: KubeConfig,
  namespace: string,
  pods: V1Pod[]
): Promise<(pod: V1Pod) => WorkloadRef | undefined> {
  const needsSets = pods.some(
    (p) => controllerOf(p.metadata?.ownerReferences)?.kind === 'ReplicaSet'
  )
  const deploymentOfSet = new Map<string, string>()
  if (needsSets) {
    const { AppsV1Api } = await import('@kubernetes/client-node')
    const api = kc.makeApiClient(AppsV1Api)
    // Naming the workload is for recovery times only: without `list replicasets` (a Role
    // that grants pods alone) the pods are still candidates, without a workload.
    const sets = await api.listNamespacedReplicaSet({ namespace }).catch((error: unknown) => {
      if (kubeErrorStatus(error) === 403) {
        return { items: [] }
      }
      throw new FaultInjectionError(
        `list replicasets in ${namespace}: ${kubeErrorMessage(error)}`,
        { cause: error }
      )
    })
    for (const rs of sets.items) {
      const owner = controllerOf(rs.metadata?.ownerReferences)
      if (owner?.kind === 'Deployment' && rs.metadata?.uid) {
        deploymentOfSet.set(rs.metadata.uid, owner.name)
      }
    }
  }
  return (pod) => {
    const owner = controllerOf(pod.metadata?.ownerReferences)
    const kind: WorkloadKind | undefined =
      owner?.kind === 'StatefulSet'
        ? 'statefulset'
        : owner?.kind === 'DaemonSet'
          ? 'daemonset'
          : undefined
    if (owner !== undefined && kind !== undefined) {
      return { kind, namespace, name: owner.name }
    }
    const deployment = owner?.kind === 'ReplicaSet' ? deploymentOfSet.get(owner.uid) : undefined
    return deployment === undefined
      ? undefined
      : { kind: 'deployment', namespace, name: deployment }
  }
}

function toTarget(pod: V1Pod, workload: WorkloadRef | undefined): PodTarget {
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    labels: pod.metadata?.labels ?? {},
    ...(workload === undefined ? {} : { workload }),
  }
}

export function controllerOf(refs: V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return refs?.find((r) => r.controller === true)
}

/** Runs an API call, turning its error into one line naming what was attempted. */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw new FaultInjectionError(`${what}: ${kubeErrorMessage(error)}`, { cause: error })
  }
}
