/**
 * One eviction through the Eviction API (policy/v1), which honours PodDisruptionBudgets: a 429
 * means a budget refuses it for now, so it is retried until the deadline or the signal (the
 * fault's end), never past either, then reported as refused (never forced: forcing would defeat the budget the drain is meant to respect).
 * @module
 */
import type { CoreV1Api } from '@kubernetes/client-node'
import { sleep } from '../../shared/duration.js'
import { kubeErrorStatus } from '../../safety/kube-request.js'
import { apiFailure, apiStatus } from '../kubernetes/api-error.js'

export type EvictionOutcome =
  { kind: 'evicted'; retries: number } | { kind: 'gone' } | { kind: 'refused'; by: string }

export interface EvictOptions {
  gracePeriodSeconds?: number
  /** Stop retrying 429s at this time (ms since epoch). */
  deadline: number
  signal: AbortSignal
  now?: () => number
  retryMs?: number
}

export async function evictPod(
  core: CoreV1Api,
  pod: { namespace: string; name: string; uid: string },
  options: EvictOptions
): Promise<EvictionOutcome> {
  const now = options.now ?? Date.now
  for (let retries = 0; ; retries++) {
    try {
      await core.createNamespacedPodEviction({
        name: pod.name,
        namespace: pod.namespace,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: pod.name, namespace: pod.namespace },
          deleteOptions: {
            preconditions: { uid: pod.uid },
            gracePeriodSeconds: options.gracePeriodSeconds,
          },
        },
      })
      return { kind: 'evicted', retries }
    } catch (error) {
      const code = kubeErrorStatus(error)
      // 404: gone; 409: the uid precondition failed, the name is a re-created pod's now.
      if (code === 404 || code === 409) {
        return { kind: 'gone' }
      }
      if (code !== 429) {
        throw apiFailure('node-drain', error)
      }
      const left = options.deadline - now()
      if (left <= 0 || options.signal.aborted) {
        return { kind: 'refused', by: budgetOf(error) }
      }
      await sleep(Math.min(left, options.retryMs ?? 1000), options.signal)
      // No try after the fault ended or past the deadline (the watchdog may be undoing).
      if (options.signal.aborted || options.deadline - now() <= 0) {
        return { kind: 'refused', by: budgetOf(error) }
      }
    }
  }
}

/** `PodDisruptionBudget web-pdb` from the Status causes, else the Status message. */
export function budgetOf(error: unknown): string {
  const status = apiStatus(error)
  for (const cause of status?.details?.causes ?? []) {
    const name = /disruption budget (\S+)/i.exec(cause.message ?? '')?.[1]
    if (name) {
      return `PodDisruptionBudget ${name}`
    }
  }
  return status?.message ?? 'a PodDisruptionBudget'
}
