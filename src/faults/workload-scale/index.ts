/**
 * workload-scale: sets a Deployment's or StatefulSet's replicas through its scale subresource
 * (conflicts retried, see scale.ts). The undo is a JSON patch on the scale that first tests the
 * count is still ours: the revert restores the old count only if nobody changed it during the
 * fault (an HPA, an operator, a person); a count changed meanwhile is left alone and reported
 * (the executor takes the failed test, a 422, as done: overwriting their count would be worse).
 * After the revert, `settle` waits for the workload to be fully available again
 * (`fault.recovery`).
 *
 * Not built: refusing a workload an HorizontalPodAutoscaler drives (it would fight the fault).
 * @module
 */
import type { WorkloadRef } from '../../platforms/kubernetes/contract.js'
import { defineFault, type FaultContext, type FaultParamsOf } from '../contract.js'
import { refusedCode } from '../kubernetes/refused.js'
import { RecordedUndos } from '../recorded-undos.js'
import { apiFailure } from '../kubernetes/api-error.js'
import { needKubernetes } from '../kubernetes/need.js'
import {
  parseWorkload,
  workloadApiPath,
  workloadName,
} from '../../platforms/kubernetes/workload.js'
import { Recoveries } from '../kubernetes/recoveries.js'
import { readReplicas, setReplicas, type ScaleOptions, type ScaleOutcome } from './scale.js'

type Params = FaultParamsOf<'workload-scale'>

export const workloadScaleFault = defineFault({
  type: 'workload-scale',
  describe(params) {
    const where = params.namespace === undefined ? '' : ` in ${params.namespace}`
    return [
      `scale ${params.workload}${where} to ${params.replicas} replicas for ${params.duration}`,
    ]
  },
  inject: (ctx) => injectScale(ctx),
})

/** The driver's inject, with the scale's test seam (`beforeWrite`) open to tests. */
export async function injectScale(
  ctx: FaultContext<Params>,
  seam: Pick<ScaleOptions, 'beforeWrite' | 'backoffMs'> = {}
) {
  const kube = needKubernetes(ctx)
  const ref: WorkloadRef = {
    ...parseWorkload(ctx.params.workload),
    namespace: ctx.params.namespace ?? kube.spec.namespace,
  }
  kube.checkNamespace(ref.namespace)
  const label = workloadName(ref, kube.spec.namespace)
  const target = ctx.params.replicas
  const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
  const recoveries = new Recoveries(kube)
  // Watching from before the scale, so the recovery after the revert sees every transition.
  recoveries.watch(ref)
  let outcome: ScaleOutcome
  try {
    outcome = await setReplicas(kube.config, ref, target, {
      ...seam,
      record: (old) =>
        undos.record({
          kind: 'kubernetes',
          connection: kube.connection,
          label: `restore ${label} to ${old} replicas (if still ${target})`,
          request: {
            op: 'patch',
            path: workloadApiPath(ref, 'scale'),
            patchType: 'json',
            body: [
              { op: 'test', path: '/spec/replicas', value: target },
              { op: 'replace', path: '/spec/replicas', value: old },
            ],
          },
        }),
    })
  } catch (error) {
    recoveries.close()
    const code = refusedCode(error)
    if (code !== undefined) {
      undos.discardAll(`scale refused (${code}): nothing to undo`)
    }
    throw apiFailure('workload-scale', error)
  }
  const retried =
    outcome.retries === 0
      ? ''
      : ` after ${outcome.retries} conflict retr${outcome.retries === 1 ? 'y' : 'ies'}`
  ctx.action(
    outcome.changed
      ? `scaled ${label} from ${outcome.from} to ${target} replicas${retried}`
      : `${label} already has ${target} replicas: nothing to scale`
  )

  let reverting: Promise<void> | undefined
  return {
    targets: outcome.changed ? [`${label} (${outcome.from} → ${target} replicas)`] : [],
    revert: () => (reverting ??= revertScale()),
    settle: (signal: AbortSignal) => recoveries.settle(ctx, signal),
  }

  async function revertScale(): Promise<void> {
    try {
      await undos.revert()
    } catch (error) {
      reverting = undefined // let a later revert try again; the entry stays in the ledger
      throw apiFailure('workload-scale', error)
    }
    if (outcome.changed) {
      const now = await readReplicas(kube.config, ref).catch(() => undefined)
      if (now === outcome.from) {
        recoveries.acted(ref)
        ctx.action(`restored ${label} to ${outcome.from} replicas`)
      } else {
        ctx.action(
          `left ${label} alone at ${now ?? 'unknown'} replicas: changed during the fault (not restored to ${outcome.from})`
        )
      }
    }
  }
}
