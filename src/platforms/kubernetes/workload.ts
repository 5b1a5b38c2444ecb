/**
 * `deployment/orders` as data, and back: the names journal lines and recovery outcomes use,
 * and the API paths undos and watches use.
 * @module
 */
import type { WorkloadKind } from '../../experiment/kubernetes-schema.js'
import type { WorkloadRef } from './contract.js'

const RESOURCES: Record<WorkloadKind, string> = {
  deployment: 'deployments',
  statefulset: 'statefulsets',
  daemonset: 'daemonsets',
}

/** `deployment/orders` → kind and name (the schema already checked the form). */
export function parseWorkload(ref: string): { kind: WorkloadKind; name: string } {
  const slash = ref.indexOf('/')
  return { kind: ref.slice(0, slash) as WorkloadKind, name: ref.slice(slash + 1) }
}

/** `deployment/orders`, with `shop/` in front when not in `defaultNamespace`. */
export function workloadName(workload: WorkloadRef, defaultNamespace?: string): string {
  const name = `${workload.kind}/${workload.name}`
  return workload.namespace === defaultNamespace ? name : `${workload.namespace}/${name}`
}

/** `/apis/apps/v1/namespaces/shop/deployments/orders` (and a subresource: `scale`). */
export function workloadApiPath(workload: WorkloadRef, subresource?: string): string {
  const base = `/apis/apps/v1/namespaces/${workload.namespace}/${RESOURCES[workload.kind]}/${workload.name}`
  return subresource === undefined ? base : `${base}/${subresource}`
}

/** The collection path (`/apis/apps/v1/namespaces/shop/deployments`), for watches. */
export function workloadCollectionPath(kind: WorkloadKind, namespace: string): string {
  return `/apis/apps/v1/namespaces/${namespace}/${RESOURCES[kind]}`
}
