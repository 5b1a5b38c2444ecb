/**
 * When is a workload "fully available" again after a fault (the recovery time's end)? Pure,
 * from the workload object and its pods as a watch last saw them:
 * - its controller has seen its latest spec (`status.observedGeneration >= metadata.generation`);
 * - Deployment/StatefulSet: `updatedReplicas == availableReplicas == readyReplicas ==
 *   spec.replicas`; DaemonSet: `numberAvailable == updatedNumberScheduled == numberReady ==
 *   desiredNumberScheduled`;
 * - no pod of it terminating, and at least the desired number of its pods Ready. The pods are
 *   checked too because a workload's status lags its pods: just after a pod is deleted the
 *   Deployment may still say 3 of 3 available.
 * @module
 */
import type { WorkloadKind } from '../../experiment/kubernetes-schema.js'

export interface WorkloadState {
  metadata?: { generation?: number | undefined } | undefined
  spec?: { replicas?: number | undefined } | undefined
  status?: Record<string, unknown> | undefined
}

export interface PodState {
  metadata?: { name?: string | undefined; deletionTimestamp?: unknown } | undefined
  status?: { conditions?: Array<{ type: string; status: string }> | undefined } | undefined
}

export interface Availability {
  available: boolean
  /** Why not, for the outcome's reason: `1 of 3 replicas available`. */
  detail: string
}

export function availability(
  kind: WorkloadKind,
  workload: WorkloadState | undefined,
  pods: PodState[]
): Availability {
  if (workload === undefined) {
    return { available: false, detail: 'the workload does not exist' }
  }
  const status = workload.status ?? {}
  const generation = workload.metadata?.generation ?? 0
  const observed = num(status['observedGeneration'])
  if (observed < generation) {
    return {
      available: false,
      detail: `its controller has not yet seen its latest spec (generation ${generation}, observed ${observed})`,
    }
  }
  const counts =
    kind === 'daemonset'
      ? {
          desired: num(status['desiredNumberScheduled']),
          updated: num(status['updatedNumberScheduled']),
          ready: num(status['numberReady']),
          available: num(status['numberAvailable']),
        }
      : {
          desired: workload.spec?.replicas ?? 1,
          updated: num(status['updatedReplicas']),
          ready: num(status['readyReplicas']),
          available: num(status['availableReplicas']),
        }
  const { desired } = counts
  const of = `of ${desired} ${desired === 1 ? 'replica' : 'replicas'}`
  if (counts.available !== desired) {
    return { available: false, detail: `${counts.available} ${of} available` }
  }
  if (counts.ready !== desired) {
    return { available: false, detail: `${counts.ready} ${of} ready` }
  }
  if (counts.updated !== desired) {
    return { available: false, detail: `${counts.updated} ${of} updated` }
  }
  const terminating = pods.filter(
    (p) => p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null
  )
  if (terminating.length > 0) {
    const names = terminating.map((p) => p.metadata?.name ?? '?').join(', ')
    return {
      available: false,
      detail: `${terminating.length} ${terminating.length === 1 ? 'pod' : 'pods'} terminating (${names})`,
    }
  }
  const ready = pods.filter(isReady).length
  if (ready < desired) {
    return { available: false, detail: `${ready} ${of} with a Ready pod` }
  }
  return { available: true, detail: `${desired} ${of} available` }
}

export function isReady(pod: PodState): boolean {
  return (
    (pod.metadata?.deletionTimestamp === undefined || pod.metadata.deletionTimestamp === null) &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  )
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0
}
