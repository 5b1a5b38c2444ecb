/**
 * Setting a workload's replicas through its `/scale` subresource, optimistically: read the
 * scale, record the undo for the count read, replace it with the read's resourceVersion, and on
 * 409 Conflict (someone changed the workload in between) read again and retry, a few times.
 * @module
 */
import { AppsV1Api, type KubeConfig, type V1Scale } from '@kubernetes/client-node'
import { sleep } from '../../shared/duration.js'
import type { WorkloadRef } from '../../platforms/kubernetes/contract.js'
import { kubeErrorStatus } from '../../safety/kube-request.js'

/** Tries of read-then-replace before a conflict fails the fault. */
export const SCALE_TRIES = 5

export interface ScaleOptions {
  /** Called with the count read, before the write that changes it (each new count read once). */
  record(oldReplicas: number): void
  /** Test seam: runs between the read and the write of try `attempt` (0-based). */
  beforeWrite?: (attempt: number) => Promise<void>
  tries?: number
  /** Backoff before retry n is n × this (default 100 ms). */
  backoffMs?: number
}

export interface ScaleOutcome {
  /** The count read by the write that won (or the count already there). */
  from: number
  /** 409 Conflicts retried. */
  retries: number
  /** False when the workload already had the count: nothing was written. */
  changed: boolean
}

export async function setReplicas(
  config: KubeConfig,
  ref: WorkloadRef,
  replicas: number,
  options: ScaleOptions
): Promise<ScaleOutcome> {
  const api = scaleApi(config, ref)
  const tries = options.tries ?? SCALE_TRIES
  let recorded: number | undefined
  for (let attempt = 0; ; attempt++) {
    const scale = await api.read()
    const from = scale.spec?.replicas ?? 0
    if (from === replicas) {
      return { from, retries: attempt, changed: false }
    }
    if (from !== recorded) {
      options.record(from)
      recorded = from
    }
    await options.beforeWrite?.(attempt)
    try {
      // resourceVersion stays the read's: a write in between makes this a 409, not a lost update.
      await api.replace({ ...scale, spec: { ...scale.spec, replicas } })
      return { from, retries: attempt, changed: true }
    } catch (error) {
      if (kubeErrorStatus(error) !== 409 || attempt + 1 >= tries) {
        throw error
      }
      await sleep((attempt + 1) * (options.backoffMs ?? 100))
    }
  }
}

/** The current replica count in the scale subresource. */
export async function readReplicas(config: KubeConfig, ref: WorkloadRef): Promise<number> {
  return (await scaleApi(config, ref).read()).spec?.replicas ?? 0
}

function scaleApi(config: KubeConfig, ref: WorkloadRef) {
  const apps = config.makeApiClient(AppsV1Api)
  const at = { name: ref.name, namespace: ref.namespace }
  if (ref.kind === 'statefulset') {
    return {
      read: () => apps.readNamespacedStatefulSetScale(at),
      replace: (body: V1Scale) => apps.replaceNamespacedStatefulSetScale({ ...at, body }),
    }
  }
  return {
    read: () => apps.readNamespacedDeploymentScale(at),
    replace: (body: V1Scale) => apps.replaceNamespacedDeploymentScale({ ...at, body }),
  }
}
