/**
 * The run's cluster, or the refusal every Kubernetes fault gives without one.
 * @module
 */
import type { KubernetesRun } from '../../platforms/kubernetes/contract.js'
import { FaultInjectionError, type FaultContext } from '../contract.js'

export function needKubernetes(ctx: Pick<FaultContext, 'kubernetes' | 'fault'>): KubernetesRun {
  if (!ctx.kubernetes) {
    throw new FaultInjectionError(`${ctx.fault.type} needs spec.system.kubernetes`)
  }
  return ctx.kubernetes
}
