/**
 * What a Kubernetes API error means to a fault: the one line a user reads
 * (`pod-delete: pods "x" is forbidden: ...`, from safety/kube-request.ts's `kubeErrorMessage`,
 * which the undo executor and the platform use too), and the Status details some faults read
 * (a budget's name, the field a 422 is about). Its HTTP code: `kubeErrorStatus`.
 * @module
 */
import { ApiException } from '@kubernetes/client-node'
import { kubeErrorMessage } from '../../safety/kube-request.js'
import { FaultInjectionError } from '../contract.js'

/** The parts of a `Status` a fault reads. */
export interface ApiStatus {
  code?: number
  message?: string
  reason?: string
  details?: { causes?: { reason?: string; message?: string; field?: string }[] }
}

/** The server's Status, when the error carries one (client-node 1.x keeps the body as text). */
export function apiStatus(error: unknown): ApiStatus | undefined {
  if (!(error instanceof ApiException)) {
    return undefined
  }
  const body: unknown = error.body
  if (typeof body === 'object' && body !== null) {
    return body as ApiStatus
  }
  try {
    const parsed: unknown = JSON.parse(String(body))
    return typeof parsed === 'object' && parsed !== null ? (parsed as ApiStatus) : undefined
  } catch {
    return undefined
  }
}

/** A FaultInjectionError `TYPE: message`, keeping the API error as its cause. */
export function apiFailure(type: string, error: unknown): FaultInjectionError {
  if (error instanceof FaultInjectionError) {
    return error
  }
  return new FaultInjectionError(`${type}: ${kubeErrorMessage(error)}`, { cause: error })
}
