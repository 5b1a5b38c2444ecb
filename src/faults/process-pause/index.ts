/**
 * process-pause: SIGSTOP for the duration, then SIGCONT, which is what a long GC pause or a
 * frozen VM looks like to peers (connections stay open, nothing answers). The SIGCONT is
 * recorded first, so `ordeal recover` or the watchdog can resume the process without us.
 * @module
 */
import { describeTarget } from '../../platforms/local/targets.js'
import { defineFault } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'
import { signalTarget } from '../signal.js'

export const processPauseFault = defineFault({
  type: 'process-pause',
  describe(params) {
    return [`SIGSTOP ${describeSelector(params.target)}, SIGCONT after ${params.duration}`]
  },
  async inject(ctx) {
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const touched: string[] = []
    for (const target of await ctx.selectTargets(ctx.params.target)) {
      const label = describeTarget(target)
      undos.record({
        kind: 'signal',
        pid: target.pid,
        startTime: target.startTime,
        signal: 'SIGCONT',
        group: target.groupLeader,
        label: `SIGCONT ${label}`,
      })
      if (signalTarget(target, 'SIGSTOP')) {
        ctx.action(`SIGSTOP ${label}`)
        touched.push(label)
      } else {
        ctx.action(`SIGSTOP ${label}: already gone`)
      }
    }
    return {
      targets: touched,
      revert: () => undos.revert(),
    }
  },
})
