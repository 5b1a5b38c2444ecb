/**
 * pod-delete: deletes the selected pods through the API (Litmus pod-delete), with the pod's uid
 * as a delete precondition so a pod re-created under the same name (a StatefulSet's) is never
 * hit. With `interval` it re-selects and deletes again until the fault ends. A deletion has
 * nothing to undo (the owning workload re-creates the pod): each gets a `none` ledger entry so
 * the ledger lists everything ordeal did. After the revert, `settle` waits for every workload
 * hit to be fully available again and reports how long that took (`fault.recovery`).
 * @module
 */
import { CoreV1Api } from '@kubernetes/client-node'
import { parseDuration, sleep } from '../../shared/duration.js'
import { nextWait, type TimingRange } from '../../shared/timing-range.js'
import { intervalOf } from '../interval.js'
import type { KubernetesRun, PodTarget } from '../../platforms/kubernetes/contract.js'
import { defineFault, type FaultContext, type FaultParamsOf } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { kubeErrorStatus } from '../../safety/kube-request.js'
import { apiFailure } from '../kubernetes/api-error.js'
import { describePods } from '../kubernetes/describe.js'
import { needKubernetes } from '../kubernetes/need.js'
import { podLabel } from '../kubernetes/paths.js'
import { Recoveries } from '../kubernetes/recoveries.js'

type Params = FaultParamsOf<'pod-delete'>

export const podDeleteFault = defineFault({
  type: 'pod-delete',
  describe(params) {
    const every =
      params.interval === undefined ? '' : `, every ${params.interval} for ${params.duration}`
    return [`delete ${describePods(params.pods)}${graceText(params)}${every}`]
  },
  async inject(ctx) {
    const kube = needKubernetes(ctx)
    const interval = intervalOf(ctx.params.interval)
    const gracePeriodSeconds = gracePeriodOf(ctx.params)
    const round = new DeleteRound(ctx, kube, gracePeriodSeconds)
    const stop = new AbortController()
    const active = AbortSignal.any([ctx.signal, stop.signal])

    try {
      await round.run(active)
    } catch (error) {
      round.recoveries.close()
      throw error
    }
    // The first round runs before inject returns so a failure fails the fault; later rounds
    // only report, since the pods may be between deletion and re-creation.
    const loop = interval === undefined ? undefined : repeat(interval)
    async function repeat(range: TimingRange): Promise<void> {
      for (;;) {
        // Drawn afresh per repeat (`10s..30s`): the n-th wait is the same for the same seed.
        await sleep(nextWait(range, ctx.nextInterval), active)
        if (active.aborted) {
          return
        }
        await round.run(active).catch((error: unknown) => {
          ctx.action(`delete round skipped: ${(error as Error).message}`)
        })
      }
    }

    return {
      targets: round.touched,
      async revert() {
        stop.abort()
        await loop
        await round.undos.revert()
      },
      settle: (signal) => round.recoveries.settle(ctx, signal),
    }
  },
})

/** One injection's deletions: each round selects afresh and deletes what it selected. */
class DeleteRound {
  readonly undos: RecordedUndos
  readonly recoveries: Recoveries
  readonly touched: string[] = []
  readonly #ctx: FaultContext<Params>
  readonly #kube: KubernetesRun
  readonly #core: CoreV1Api
  readonly #grace: number | undefined
  #saidNoWorkload = false

  constructor(ctx: FaultContext<Params>, kube: KubernetesRun, grace: number | undefined) {
    this.#ctx = ctx
    this.#kube = kube
    this.#core = kube.config.makeApiClient(CoreV1Api)
    this.#grace = grace
    this.undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    this.recoveries = new Recoveries(kube)
  }

  async run(active: AbortSignal): Promise<void> {
    const ctx = this.#ctx
    const pods = await this.#kube
      .selectPods(ctx.params.pods, ctx.action)
      .catch((error: unknown) => Promise.reject(apiFailure('pod-delete', error)))
    for (const pod of pods) {
      this.#kube.checkNamespace(pod.namespace)
    }
    // Watches start before the first deletion, so the workload's dip is never missed.
    for (const pod of pods) {
      if (pod.workload) {
        this.recoveries.watch(pod.workload)
      } else if (!this.#saidNoWorkload) {
        this.#saidNoWorkload = true
        ctx.action(`${podLabel(pod)} has no owning workload: no recovery time for it`)
      }
    }
    for (const pod of pods) {
      if (active.aborted) {
        return // reverted while selecting: delete nothing more
      }
      await this.#delete(pod)
    }
  }

  async #delete(pod: PodTarget): Promise<void> {
    const label = podLabel(pod)
    this.undos.record({
      kind: 'none',
      label: `deleted ${label} (uid ${pod.uid}): its controller re-creates it`,
    })
    try {
      await this.#core.deleteNamespacedPod({
        name: pod.name,
        namespace: pod.namespace,
        body: { preconditions: { uid: pod.uid }, gracePeriodSeconds: this.#grace },
      })
    } catch (error) {
      // 404: gone; 409 from the uid precondition: the name now belongs to a re-created pod.
      if (kubeErrorStatus(error) === 404 || kubeErrorStatus(error) === 409) {
        this.#ctx.action(`delete ${label}: already gone`)
        return
      }
      throw apiFailure('pod-delete', error)
    }
    if (pod.workload) {
      this.recoveries.acted(pod.workload)
    }
    this.#ctx.action(`deleted ${label}${graceText(this.#ctx.params)}`)
    this.touched.push(label)
  }
}

/** Seconds for deleteOptions: 0 with `force`, else `gracePeriod` rounded up, else the pod's own. */
export function gracePeriodOf(params: Pick<Params, 'force' | 'gracePeriod'>): number | undefined {
  if (params.force) {
    return 0
  }
  if (params.gracePeriod === undefined) {
    return undefined
  }
  return Math.ceil((parseDuration(params.gracePeriod) ?? 0) / 1000)
}

function graceText(params: Pick<Params, 'force' | 'gracePeriod'>): string {
  const grace = gracePeriodOf(params)
  return grace === undefined ? '' : grace === 0 ? ' (force)' : ` (grace ${grace}s)`
}
