/**
 * syscall-error: through libfiu's remote control, enables the chosen failure points in every
 * process of each target (and its workers) for the duration, then disables them. Each
 * process's `disable` is recorded before its `enable`, so the watchdog or `ordeal recover`
 * switches the failures off without us. Only processes launched under the libfiu preload can
 * be reached: the others are refused before anything is touched.
 * @module
 */
import { lstatSync, type Stats } from 'node:fs'
import path from 'node:path'
import { describeTarget, type ProcessTarget } from '../../platforms/local/targets.js'
import { readEnviron, hasPreload } from '../../platforms/local/preload/environ.js'
import {
  FIU_CTRL_FIFO,
  FIU_POSIX_PRELOAD,
  FIU_RUN_PRELOAD,
} from '../../platforms/local/preload/libfiu.js'
import {
  controlledPids,
  disableCommand,
  enableCommand,
  fiuCtrlArgv,
  processFileOwner,
  runFiuCtrl,
  type FileOwner,
} from '../../platforms/local/preload/fiu-control.js'
import {
  defineFault,
  FaultInjectionError,
  type FaultContext,
  type FaultParamsOf,
  type Injection,
} from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'
import { ERRNOS, isErrnoName } from './errnos.js'

/**
 * The failure points a syscall-error of this runner holds now, per process (`<prefix>-<pid>`).
 * A second fault on the same points of the same process would be undone by the first one's
 * disable while it still held them: it is refused instead.
 */
const held = new Map<string, string[]>()

/** Same point, or one is a family (`posix/io/*`) that holds the other. */
function overlap(a: string, b: string): boolean {
  const covers = (family: string, call: string) =>
    family.endsWith('/*') && call.startsWith(family.slice(0, -1))
  return a === b || covers(a, b) || covers(b, a)
}

export const syscallErrorFault = defineFault({
  type: 'syscall-error',
  describe(params) {
    return [
      `make ${params.calls.join(', ')} fail ${failureText(params)} in ${describeSelector(params.target)} (libfiu), until ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const { calls } = ctx.params
    // Every process is checked before any is touched: a refusal leaves nothing half-done.
    const reachable: { target: ProcessTarget; prefix: string; owner: FileOwner }[] = []
    const plan: { label: string; prefix: string; owner: FileOwner; pid: number }[] = []
    for (const target of await ctx.selectTargets(ctx.params.target)) {
      const prefix = controlPrefix(target)
      const owner = processFileOwner(target.pid)
      if (prefix === undefined || owner === undefined) {
        continue // gone since it was selected
      }
      reachable.push({ target, prefix, owner })
      const pids = controlledPids(target.pid, prefix)
      if (pids.length === 0 && readEnviron(target.pid) !== undefined) {
        throw new FaultInjectionError(
          `syscall-error: ${describeTarget(target)} has no libfiu control fifo ${prefix}-${target.pid}.in (its remote control did not start)`
        )
      }
      for (const pid of pids) {
        const label =
          pid === target.pid ? describeTarget(target) : `${target.label} (child pid ${pid})`
        // A worker may run as another user than its parent: each is spoken to as itself.
        const own = processFileOwner(pid) ?? owner
        checkFifo(label, `${prefix}-${pid}.in`, own)
        plan.push({ label, prefix, owner: own, pid })
      }
    }

    for (const { label, prefix, pid } of plan) {
      const busy = (held.get(`${prefix}-${pid}`) ?? []).find((h) =>
        calls.some((call) => overlap(h, call))
      )
      if (busy !== undefined) {
        throw new FaultInjectionError(
          `syscall-error: ${label}: another syscall-error holds ${busy} until it ends (two on the same calls would undo each other)`
        )
      }
    }
    const holding = plan.map(({ prefix, pid }) => `${prefix}-${pid}`)
    for (const key of holding) {
      held.set(key, [...(held.get(key) ?? []), ...calls])
    }
    let released = false
    const release = () => {
      if (released) {
        return
      }
      released = true
      for (const key of holding) {
        const left = [...(held.get(key) ?? [])]
        for (const call of calls) {
          left.splice(left.indexOf(call), 1)
        }
        if (left.length === 0) {
          held.delete(key)
        } else {
          held.set(key, left)
        }
      }
    }
    try {
      return await failCalls(ctx, plan, reachable, release)
    } catch (error) {
      release()
      throw error
    }
  },
})

/** Records each process's disable, then enables its failures (every check is done). */
async function failCalls(
  ctx: FaultContext<FaultParamsOf<'syscall-error'>>,
  plan: { label: string; prefix: string; owner: FileOwner; pid: number }[],
  reachable: { target: ProcessTarget; prefix: string; owner: FileOwner }[],
  release: () => void
): Promise<Injection> {
  const { calls } = ctx.params
  const probability = ctx.params.probability ?? 1
  const name = ctx.params.errno
  const errno = name === undefined || !isErrnoName(name) ? undefined : ERRNOS[name]
  const enables = calls.map((call) => enableCommand(call, probability, errno))
  const disables = calls.map(disableCommand)
  const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
  const reached = new Set<string>()
  const touched: string[] = []
  // One process at a time: its disable in the ledger, then its enable.
  for (const { label, prefix, owner, pid } of plan) {
    undos.record({
      kind: 'command',
      argv: fiuCtrlArgv(prefix, [pid], disables, owner),
      label: `libfiu: disable ${calls.join(', ')} in ${label}`,
    })
    reached.add(`${prefix}-${pid}`)
    const outcome = await runFiuCtrl(fiuCtrlArgv(prefix, [pid], enables, owner))
    if (outcome.ok) {
      ctx.action(`libfiu: ${calls.join(', ')} fail ${failureText(ctx.params)} in ${label}`)
      touched.push(label)
    } else if (outcome.gone) {
      ctx.action(`libfiu: ${label}: already gone`)
    } else {
      throw new FaultInjectionError(`syscall-error: ${label}: ${outcome.detail}`)
    }
  }

  return {
    targets: touched,
    revert: async () => {
      // A child forked during the fault inherited the enabled points and answers on its own
      // fifo: switch it off too (the watchdog only knows the processes recorded above).
      for (const { target, prefix, owner } of reachable) {
        for (const pid of controlledPids(target.pid, prefix)) {
          if (!reached.has(`${prefix}-${pid}`)) {
            undos.record({
              kind: 'command',
              argv: fiuCtrlArgv(prefix, [pid], disables, processFileOwner(pid) ?? owner),
              label: `libfiu: disable ${calls.join(', ')} in ${target.label} (child pid ${pid})`,
            })
            reached.add(`${prefix}-${pid}`)
          }
        }
      }
      try {
        await undos.revert()
      } finally {
        release()
      }
    },
  }
}

/** `with EIO at p=0.5`, `with a call-specific errno always`. */
function failureText(params: FaultParamsOf<'syscall-error'>): string {
  const errno = params.errno ?? 'a call-specific errno'
  const probability = params.probability ?? 1
  const p = probability >= 1 ? 'always' : `at p=${probability}`
  return `with ${errno} ${p}`
}

/**
 * The process's control fifo must be a fifo of its own: libfiu's thread opens it as the
 * process, so one made by another user (the preload loaded in a launcher that ran as root
 * before dropping to the service's user, and the fifo kept across exec) means the remote
 * control never started; and anything else (a symlink) is not spoken to.
 */
function checkFifo(label: string, fifo: string, owner: FileOwner): void {
  let stat: Stats
  try {
    stat = lstatSync(fifo)
  } catch {
    return // gone meanwhile: fiu-ctrl will say so
  }
  if (!stat.isFIFO()) {
    throw new FaultInjectionError(`syscall-error: ${label}: ${fifo} is not a fifo; not touching it`)
  }
  if (stat.uid !== owner.uid) {
    throw new FaultInjectionError(
      `syscall-error: ${label}: its libfiu remote control did not start: ${fifo} belongs to uid ${stat.uid}, the process runs as uid ${owner.uid} (the preload was loaded before the privilege drop)`
    )
  }
}

/**
 * The target's libfiu control prefix, from its environment; throws (one line, naming the
 * service and the field) when it was not launched under the preload. Undefined when it is gone.
 */
function controlPrefix(target: ProcessTarget): string | undefined {
  const env = readEnviron(target.pid)
  if (env === undefined) {
    return undefined
  }
  const label = describeTarget(target)
  const fix =
    target.service === undefined
      ? `start it under libfiu (fiu-run -x, or LD_PRELOAD=${FIU_RUN_PRELOAD}:${FIU_POSIX_PRELOAD} with ${FIU_CTRL_FIFO} set) or launch it as a service with \`preload: [libfiu]\``
      : `add \`preload: [libfiu]\` to service '${target.service}' in spec.system.services`
  if (!hasPreload(env, [FIU_RUN_PRELOAD]) || !hasPreload(env, [FIU_POSIX_PRELOAD])) {
    throw new FaultInjectionError(
      `syscall-error: ${label} was not launched under the libfiu preload: ${fix}`
    )
  }
  const given = env[FIU_CTRL_FIFO]
  if (given === undefined || given === '') {
    throw new FaultInjectionError(
      `syscall-error: ${label} runs under libfiu without remote control (${FIU_CTRL_FIFO} is not set): ${fix}`
    )
  }
  // A relative prefix (fiu-run -f fifo) is relative to the process's own directory.
  const prefix = path.isAbsolute(given) ? given : path.join(`/proc/${target.pid}/cwd`, given)
  // fiu-ctrl is a shell script that uses the path unquoted: a space splits it, `*` or `?`
  // would make it write to whatever file matches.
  if (!kSafePrefix.test(prefix)) {
    throw new FaultInjectionError(
      `syscall-error: ${label}: its libfiu control prefix ${JSON.stringify(prefix)} has characters fiu-ctrl cannot take (only A-Z a-z 0-9 . _ / -): move the state dir (ORDEAL_STATE_DIR) or the fifo to a plain path`
    )
  }
  return prefix
}

/** What fiu-ctrl's unquoted `$P.in` keeps as one word, with no glob character. */
const kSafePrefix = /^[A-Za-z0-9._/-]+$/
