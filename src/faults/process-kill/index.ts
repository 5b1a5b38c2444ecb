/**
 * process-kill: sends a signal (SIGKILL by default) to the selected processes, like Litmus
 * pod-delete / container-kill. With `interval` it re-selects and kills again every interval
 * until the fault's duration ends. A kill has nothing to undo: the supervisor re-creates the
 * replica; the ledger still gets a `none` entry per kill so it lists everything ordeal did.
 * @module
 */
import { parseDuration, sleep } from '../../shared/duration.js'
import { describeTarget } from '../../platforms/local/targets.js'
import {
  defineFault,
  FaultInjectionError,
  type FaultContext,
  type FaultParamsOf,
} from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'
import { signalTarget, toSignal } from '../signal.js'

type Params = FaultParamsOf<'process-kill'>

export const processKillFault = defineFault({
  type: 'process-kill',
  describe(params) {
    const every =
      params.interval === undefined ? '' : `, every ${params.interval} for ${params.duration}`
    return [`${params.signal ?? 'SIGKILL'} ${describeSelector(params.target)}${every}`]
  },
  async inject(ctx) {
    const signal = toSignal(ctx.params.signal ?? 'SIGKILL')
    const intervalMs =
      ctx.params.interval === undefined ? undefined : parseDuration(ctx.params.interval)
    if (intervalMs !== undefined && !(intervalMs > 0)) {
      throw new FaultInjectionError(
        `interval must be a duration above 0, got '${ctx.params.interval}'`
      )
    }
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const touched: string[] = []
    const stop = new AbortController()
    const active = AbortSignal.any([ctx.signal, stop.signal])

    await killRound(ctx, signal, undos, touched, active)
    // The first round runs before inject returns, so a failure (no targets) fails the fault;
    // later rounds run in the background and only report, since a replica may be mid-restart.
    const loop = intervalMs === undefined ? undefined : repeat(intervalMs)

    async function repeat(ms: number): Promise<void> {
      for (;;) {
        await sleep(ms, active)
        if (active.aborted) {
          return
        }
        try {
          await killRound(ctx, signal, undos, touched, active)
        } catch (error) {
          ctx.action(`${signal} round skipped: ${(error as Error).message}`)
        }
      }
    }

    return {
      targets: touched,
      async revert() {
        stop.abort()
        await loop
        await undos.revert()
      },
    }
  },
})

async function killRound(
  ctx: FaultContext<Params>,
  signal: NodeJS.Signals,
  undos: RecordedUndos,
  touched: string[],
  active: AbortSignal
): Promise<void> {
  const targets = await ctx.selectTargets(ctx.params.target)
  for (const target of targets) {
    if (active.aborted) {
      return // reverted while selecting: kill nothing more
    }
    const label = describeTarget(target)
    undos.record({ kind: 'none', label: `${signal} ${label}` })
    if (signalTarget(target, signal)) {
      ctx.action(`${signal} ${label}`)
      touched.push(label)
    } else {
      ctx.action(`${signal} ${label}: already gone`)
    }
  }
}
