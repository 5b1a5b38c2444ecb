/**
 * process-kill: sends a signal (SIGKILL by default) to the selected processes, like Litmus
 * pod-delete / container-kill. With `interval` it re-selects and kills again every interval
 * (a range's wait drawn anew each time from the run's seed) until the fault's duration ends.
 * A kill has nothing to undo: the supervisor re-creates the replica; the ledger still gets a
 * `none` entry per kill so it lists everything ordeal did.
 * @module
 */
import { sleep } from '../../shared/duration.js'
import { nextWait, type TimingRange } from '../../shared/timing-range.js'
import { intervalOf } from '../interval.js'
import { describeTarget } from '../../platforms/local/targets.js'
import { defineFault, type FaultContext, type FaultParamsOf } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'
import { signalTarget, toSignal } from '../signal.js'

type Params = FaultParamsOf<'process-kill'>

export const processKillFault = defineFault({
  type: 'process-kill',
  describe(params) {
    // A range reads as written (`every 300ms..900ms`); --dry-run --seed adds the drawn waits.
    const every =
      params.interval === undefined ? '' : `, every ${params.interval} for ${params.duration}`
    return [`${params.signal ?? 'SIGKILL'} ${describeSelector(params.target)}${every}`]
  },
  async inject(ctx) {
    const signal = toSignal(ctx.params.signal ?? 'SIGKILL')
    const interval = intervalOf(ctx.params.interval)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const touched: string[] = []
    const stop = new AbortController()
    const active = AbortSignal.any([ctx.signal, stop.signal])

    await killRound(ctx, signal, undos, touched, active)
    // The first round runs before inject returns, so a failure (no targets) fails the fault;
    // later rounds run in the background and only report, since a replica may be mid-restart.
    const loop = interval === undefined ? undefined : repeat(interval)

    async function repeat(range: TimingRange): Promise<void> {
      for (;;) {
        // Drawn afresh per repeat (`300ms..900ms`): the n-th wait is the same for the same seed.
        await sleep(nextWait(range, ctx.nextInterval), active)
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
