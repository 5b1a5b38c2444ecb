/**
 * Replays a `kubernetes` undo from the ledger: one API call by path, from the connection
 * data alone (the watchdog and `ordeal recover` have no runner memory). Idempotent:
 * - 404: the object is gone, so there is nothing left to restore or delete;
 * - 409 on a delete with a uid precondition: the name now belongs to an object someone else
 *   created after ours; it is not ours to delete;
 * - 422 on a JSON patch whose first op is a `test`: the value changed since, left alone.
 * Anything else throws with the API's Status message, and the watchdog retries it.
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { KubeUndoRequest, UndoAction } from './ledger.js'
import { loadKubeConfig, type KubeConnectionRef } from './kube-connection.js'
import { kubeErrorMessage, kubeRequest, statusMessage, type KubeRequest } from './kube-request.js'

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const

/** Configs loaded once per connection: the watchdog retries every tick. */
const configs = new Map<string, Promise<KubeConfig>>()

export async function executeKubeUndo(
  action: Extract<UndoAction, { kind: 'kubernetes' }>,
  load: (ref: KubeConnectionRef) => Promise<KubeConfig> = cachedConfig
): Promise<void> {
  const kc = await load(action.connection)
  const request = toRequest(action.request)
  let response
  try {
    response = await kubeRequest(kc, request)
  } catch (error) {
    throw new Error(`${action.label}: ${kubeErrorMessage(error)}`, { cause: error })
  }
  if (response.status >= 200 && response.status < 300) {
    return
  }
  if (response.status === 404) {
    return
  }
  if (response.status === 409 && action.request.op === 'delete' && action.request.uid) {
    return
  }
  if (response.status === 422 && testsFirst(action.request)) {
    return
  }
  throw new Error(`${action.label}: ${statusMessage(response)}`)
}

/**
 * A JSON patch that starts with a `test` op (workload-scale's "restore the count if it is still
 * ours"): a 422 means the test failed, someone changed the value during the fault, and leaving
 * their value is the undo's intended outcome, not a failure to retry.
 */
function testsFirst(request: KubeUndoRequest): boolean {
  return (
    request.op === 'patch' &&
    request.patchType === 'json' &&
    Array.isArray(request.body) &&
    (request.body[0] as { op?: unknown } | undefined)?.op === 'test'
  )
}

function toRequest(request: KubeUndoRequest): KubeRequest {
  if (request.op === 'patch') {
    return {
      method: 'PATCH',
      path: request.path,
      body: request.body,
      contentType: PATCH_TYPES[request.patchType],
    }
  }
  return {
    method: 'DELETE',
    path: request.path,
    body: {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(request.uid === undefined ? {} : { preconditions: { uid: request.uid } }),
    },
  }
}

function cachedConfig(ref: KubeConnectionRef): Promise<KubeConfig> {
  const key = JSON.stringify([ref.kubeconfig, ref.context, ref.inCluster])
  let kc = configs.get(key)
  if (kc === undefined) {
    kc = loadKubeConfig(ref)
    // A failed load (file not there yet) is retried on the next tick, not cached.
    kc.catch(() => configs.delete(key))
    configs.set(key, kc)
  }
  return kc
}
