/**
 * disk-fault: acts on the ordeal-diskfs mount the run put over `path` before its services
 * started (src/disk/run-mounts.ts). A power loss first: each target replica's group is
 * SIGKILLed, the helper drops every unsynced write (`power-loss`) while they are all down, then
 * they start again and recover from what a power cut would have left. Then latency and errors
 * through the control socket for the window; `clear` is in the ledger before either is set
 * (and if the runner dies, the watchdog's unmount of the run ends every rule anyway: the rules
 * live in the helper, which the unmount ends).
 * @module
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { diskMountOf, resolveDiskPath, type DiskMount } from '../../disk/run-mounts.js'
import { operationsArg } from '../../disk/operations.js'
import { describeTarget } from '../../platforms/local/targets.js'
import { diskControl, parseCounts } from '../../safety/disk-control.js'
import { parseDuration } from '../../shared/duration.js'
import { templateVariables } from '../../shared/template.js'
import {
  defineFault,
  FaultInjectionError,
  type FaultContext,
  type FaultParamsOf,
} from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { ERRNOS, isErrnoName } from '../syscall-error/errnos.js'
import { describeDiskFault, failureText, operationsText, powerLossText } from './describe.js'

type Params = FaultParamsOf<'disk-fault'>

/**
 * Mounts whose latency/error rules a disk-fault of this runner holds now: a second one on the
 * same mount would be undone by the first one's `clear` while it still held: refused instead.
 */
const held = new Set<string>()

export const diskFaultFault = defineFault({
  type: 'disk-fault',
  describe(params, { baseDir }) {
    // A template is filled at run time (the data dirs are laid out then): say it as written.
    const dir =
      templateVariables(params.path).length > 0 ? params.path : path.resolve(baseDir, params.path)
    return describeDiskFault(params, dir)
  },
  async inject(ctx) {
    const mount = mountOf(ctx)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const targets = [`${mount.dir} (${mount.name})`]
    let settle: ((signal: AbortSignal) => Promise<void>) | undefined
    if (ctx.params.powerLoss !== undefined) {
      const loss = await powerLoss(ctx, mount, undos)
      targets.push(...loss.labels)
      settle = loss.restarted
    }
    if (ctx.params.latency === undefined && ctx.params.errno === undefined) {
      return { targets, revert: () => undos.revert(), ...(settle ? { settle } : {}) }
    }
    if (held.has(mount.name)) {
      throw new FaultInjectionError(
        `disk-fault: another disk-fault holds latency or errors on ${mount.dir} until it ends (two would undo each other)`
      )
    }
    held.add(mount.name)
    const release = () => held.delete(mount.name)
    try {
      await setRules(ctx, mount, undos)
    } catch (error) {
      await undos.revert().finally(release)
      throw error
    }
    return {
      targets,
      revert: async () => {
        try {
          await undos.revert()
        } finally {
          release()
        }
      },
      ...(settle ? { settle } : {}),
    }
  },
})

/** The run's mount over the fault's path; throws one line when there is none. */
function mountOf(ctx: FaultContext<Params>): DiskMount {
  let dir: string
  try {
    dir = resolveDiskPath(ctx.params.path, ctx.baseDir, ctx.supervisor.templateVars())
  } catch (error) {
    throw new FaultInjectionError(
      `disk-fault path '${ctx.params.path}': ${(error as Error).message}`
    )
  }
  let real = dir
  try {
    real = path.join(realpathSync(path.dirname(dir)), path.basename(dir))
  } catch {
    // reported below: nothing is mounted there
  }
  const mount = diskMountOf(ctx.runId, real)
  if (mount === undefined) {
    throw new FaultInjectionError(
      `disk-fault: ${dir} is not mounted by this run (disk-fault paths are mounted before the services start; not on agents or Kubernetes)`
    )
  }
  return mount
}

/** Records `clear`, then sets the latency and the error rule. */
async function setRules(ctx: FaultContext<Params>, mount: DiskMount, undos: RecordedUndos) {
  const { latency, errno, operations } = ctx.params
  const ops = operationsArg(operations as Parameters<typeof operationsArg>[0])
  undos.record({
    kind: 'disk-clear',
    socket: mount.socket,
    label: `clear the latency and error rules of ${mount.name} on ${mount.dir}`,
  })
  if (latency !== undefined) {
    const ms = parseDuration(latency) ?? 0
    await diskControl(mount.socket, `latency ${ops} ${Math.round(ms * 1000)}`)
    ctx.action(`delay ${operationsText(ctx.params)} on ${mount.dir} by ${latency}`)
  }
  if (errno !== undefined) {
    if (!isErrnoName(errno)) {
      throw new FaultInjectionError(`disk-fault: unknown errno '${errno}'`)
    }
    const p = ctx.params.probability ?? 1
    await diskControl(mount.socket, `error ${ops} ${ERRNOS[errno]} ${p}`)
    ctx.action(`fail ${operationsText(ctx.params)} on ${mount.dir} ${failureText(ctx.params)}`)
  }
}

/**
 * Kills every target replica's group, drops the unsynced writes once all are down, then lets
 * each start again. Resolves once the drop is done (the fault's effect); the starts and their
 * readiness (a database's crash recovery can take many seconds) go on, awaited by `settle`:
 * the recovery is not the fault, and the fault's deadline must not count it.
 */
async function powerLoss(
  ctx: FaultContext<Params>,
  mount: DiskMount,
  undos: RecordedUndos
): Promise<{ labels: string[]; restarted: (signal: AbortSignal) => Promise<void> }> {
  const selector = ctx.params.powerLoss!.target
  if (!mount.lazy) {
    throw new FaultInjectionError(`disk-fault: ${mount.dir} was not mounted in lazy mode`)
  }
  const replicas = (await ctx.selectTargets(selector)).map((target) => {
    if (target.service === undefined || target.replica === undefined) {
      throw new FaultInjectionError(
        `disk-fault: power loss needs a service ordeal launched: ${describeTarget(target)} cannot be started again`
      )
    }
    return { label: describeTarget(target), service: target.service, replica: target.replica }
  })
  for (const { label } of replicas) {
    // Nothing to undo: the replica is started again by the fault itself, its data is what it is.
    undos.record({ kind: 'none', label: `power loss of ${label} on ${mount.dir}` })
  }
  if (replicas.length === 0) {
    ctx.action(`power loss: no replica of ${selector.service} running; nothing dropped`)
    return { labels: [], restarted: async () => {} }
  }
  // One power loss for all: every replica down first (a survivor would keep writing), then the
  // drop, then each starts again, also when the drop failed (the service must come back).
  let down = 0
  let markDown = () => {}
  let cancelDrop: (error: Error) => void = () => {}
  const allDown = new Promise<void>((resolve, reject) => {
    markDown = () => {
      down++
      if (down >= replicas.length) {
        resolve()
      }
    }
    cancelDrop = reject
  })
  const dropped = allDown.then(async () => {
    const counts = parseCounts(await diskControl(mount.socket, 'power-loss'))
    ctx.action(`${powerLossText(counts)} under ${mount.dir}`)
  })
  dropped.catch(() => undefined)
  const restarts = replicas.map(async ({ label, service, replica }) => {
    ctx.action(`power loss: SIGKILL ${label}`)
    try {
      await ctx.supervisor.restartReplica(service, replica, 0, {
        kill: true,
        beforeStart: () => {
          markDown()
          return dropped.catch(() => undefined)
        },
      })
    } catch (error) {
      // Failed before it went down (its beforeStart never ran): it may still be writing, so no
      // drop at all, and the others are not held (they start again without one). After it went
      // down, the drop already had its turn and this changes nothing.
      cancelDrop(new Error(`${label} did not go down: ${(error as Error).message}`))
      throw new Error(`${label}: ${(error as Error).message}`, { cause: error })
    }
  })
  const outcomes = Promise.allSettled(restarts)
  try {
    await dropped
  } catch (error) {
    throw new FaultInjectionError(
      `disk-fault: power loss on ${mount.dir}: ${(error as Error).message}`,
      {
        cause: error,
      }
    )
  }
  return {
    labels: replicas.map((r) => r.label),
    restarted: async (signal) => {
      const aborted = new Promise<'aborted'>((resolve) =>
        signal.addEventListener('abort', () => resolve('aborted'), { once: true })
      )
      const settled = await Promise.race([outcomes, aborted])
      if (settled === 'aborted') {
        return
      }
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          ctx.action(`power loss: not started again: ${(outcome.reason as Error).message}`)
        }
      }
    },
  }
}
