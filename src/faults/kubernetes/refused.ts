/**
 * An action the API refused outright changed nothing: its undo, recorded before it (safety
 * invariant 1), has nothing to undo. Left pending, an undo the same RBAC refuses would keep
 * the watchdog retrying forever; so a refusal marks it undone, saying why.
 * @module
 */
import { kubeErrorStatus } from '../../safety/kube-request.js'

/**
 * The API's refusal code when `error` says the request was refused before it changed anything
 * (4xx: forbidden, not found, invalid, throttled), or undefined. A 409 is left out: a conflict
 * or an object that already exists may be ours.
 */
export function refusedCode(error: unknown): number | undefined {
  const code = kubeErrorStatus(error)
  return code !== undefined && code >= 400 && code < 500 && code !== 409 ? code : undefined
}
