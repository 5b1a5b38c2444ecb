/**
 * process-restart: a graceful stop (SIGTERM to the group, SIGKILL after the grace period) and a
 * fresh start of supervised replicas, i.e. a rolling deploy without the rolling. The selected
 * replicas restart in parallel, like Litmus's default `SEQUENCE=parallel`. Only services can be
 * restarted: ordeal cannot start an attached process again.
 * @module
 */
import { formatDuration, parseDuration } from '../../shared/duration.js'
import { describeTarget } from '../../platforms/local/targets.js'
import { defineFault, FaultInjectionError } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'

const kDefaultGrace = '5s'

export const processRestartFault = defineFault({
  type: 'process-restart',
  describe(params) {
    const grace = params.gracePeriod ?? kDefaultGrace
    return [`restart ${describeSelector(params.target)} (SIGTERM, SIGKILL after ${grace})`]
  },
  async inject(ctx) {
    if (ctx.params.target.service === undefined) {
      throw new FaultInjectionError(
        `process-restart needs a service target: ordeal cannot start attached process '${ctx.params.target.attach}' again`
      )
    }
    const graceMs = parseDuration(ctx.params.gracePeriod ?? kDefaultGrace)
    if (graceMs === undefined) {
      throw new FaultInjectionError(
        `gracePeriod must be a duration like 5s, got '${ctx.params.gracePeriod}'`
      )
    }
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const targets = await ctx.selectTargets(ctx.params.target)
    const restarts = targets.map((target) => {
      if (target.service === undefined || target.replica === undefined) {
        throw new FaultInjectionError(`${describeTarget(target)} is not a supervised replica`)
      }
      const label = describeTarget(target)
      undos.record({ kind: 'none', label: `restart ${label}` })
      return { label, service: target.service, replica: target.replica }
    })
    await Promise.all(
      restarts.map(async ({ label, service, replica }) => {
        ctx.action(`restart ${label}, grace ${formatDuration(graceMs)}`)
        try {
          await ctx.supervisor.restartReplica(service, replica, graceMs)
        } catch (error) {
          throw new FaultInjectionError(`cannot restart ${label}: ${(error as Error).message}`, {
            cause: error,
          })
        }
      })
    )
    return {
      targets: restarts.map((r) => r.label),
      revert: () => undos.revert(),
    }
  },
})
