/**
 * clock-skew: moves the wall clock of launched processes through libfaketime's timestamp file
 * (the service runs with `preload: [libfaketime]`, preload/libfaketime.ts): an offset at
 * injection, an optional drift (the clock runs at a rate from then on), and jumps during the
 * window. The file is read by the process itself, so probes and checks that ask the service
 * its time see the skew; ordeal's own clock never moves. Undo writes "+0 x1" back: the ledger
 * holds that write before the first change, so the watchdog resets the clock if the runner dies.
 * @module
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describeTarget, type ProcessTarget } from '../../platforms/local/targets.js'
import { hasPreload, readEnviron } from '../../platforms/local/preload/environ.js'
import {
  FAKETIME_FILE_NAME,
  FAKETIME_FILE_VAR,
  FAKETIME_NEUTRAL,
  LIBFAKETIME_SO,
} from '../../platforms/local/preload/libfaketime.js'
import { checkControlFile, writeControlFile } from '../../safety/control-file.js'
import { parseDuration } from '../../shared/duration.js'
import {
  defineFault,
  FaultInjectionError,
  type FaultContext,
  type FaultParamsOf,
  type Injection,
} from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { describeSelector } from '../select.js'
import { faketimeLine, parseOffset, skewAt, type Jump } from './offset.js'
import type { ClockSkewParams } from './schema.js'

/**
 * The timestamp files a clock-skew of this runner holds now. A second one on the same replica
 * would write the same file, and the first revert would reset the clock while the second still
 * held it: it is refused instead.
 */
const held = new Set<string>()

interface Skewed {
  label: string
  file: string
  /** The process's start on the real wall clock (ms), from which libfaketime counts a rate. */
  startMs: number
}

export const clockSkewFault = defineFault({
  type: 'clock-skew',
  describe(params) {
    const jumps = jumpsOf(params).map((j) => ` then ${signed(j.byMs)} at +${j.atMs / 1000}s`)
    const drift = params.drift !== undefined ? `, running at x${params.drift}` : ''
    return [
      `set the wall clock of ${describeSelector(params.target)} ${signed(parseOffset(params.offset ?? '0s') ?? 0)}${drift}${jumps.join('')} (libfaketime timestamp file), back to the real time after ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const params = ctx.params
    const offsetMs = parseOffset(params.offset ?? '0s') ?? 0
    const jumps = jumpsOf(params)
    const targets = await ctx.selectTargets(params.target)
    // Every target is checked before any clock moves: a refusal leaves nothing half done.
    const skewed = targets.map((target) =>
      faketimeTarget(target, (service, replica) => ctx.supervisor.preloadDir(service, replica))
    )
    const busy = skewed.find((target) => held.has(target.file))
    if (busy !== undefined) {
      throw new FaultInjectionError(
        `clock-skew: ${busy.label}: another clock-skew holds its clock until it ends (two on one replica would undo each other)`
      )
    }
    const files = skewed.map((target) => target.file)
    files.forEach((file) => held.add(file))
    const release = () => files.forEach((file) => held.delete(file))
    try {
      return skewClocks(ctx, skewed, offsetMs, jumps, release)
    } catch (error) {
      release()
      throw error
    }
  },
})

/** Records the resets, writes the skew and sets the jumps' timers (the checks are done). */
function skewClocks(
  ctx: FaultContext<FaultParamsOf<'clock-skew'>>,
  skewed: Skewed[],
  offsetMs: number,
  jumps: Jump[],
  release: () => void
): Injection {
  const params = ctx.params
  const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
  const injectedAt = Date.now()
  const apply = (elapsedMs: number) => {
    const skew = skewAt(offsetMs, jumps, elapsedMs)
    for (const target of skewed) {
      writeControlFile(
        target.file,
        `${faketimeLine(skew, params.drift, injectedAt, target.startMs)}\n`
      )
    }
    return skew
  }
  for (const target of skewed) {
    undos.record({
      kind: 'write-file',
      path: target.file,
      content: `${FAKETIME_NEUTRAL}\n`,
      label: `real clock for ${target.label}`,
    })
  }
  const skew = apply(0)
  const drift = params.drift !== undefined ? ` x${params.drift}` : ''
  for (const target of skewed) {
    ctx.action(`clock of ${target.label} ${signed(skew)}${drift}`)
  }
  // Jumps run on timers of the window; the fault's signal ends them with it.
  const timers = jumps
    .filter((jump) => jump.atMs > 0)
    .map((jump) =>
      setTimeout(
        () => {
          if (ctx.signal.aborted) {
            return
          }
          try {
            const now = apply(jump.atMs)
            ctx.action(`clock jumps ${signed(jump.byMs)}: now ${signed(now)}${drift}`)
          } catch (error) {
            ctx.action(`clock jump ${signed(jump.byMs)} failed: ${(error as Error).message}`)
          }
        },
        Math.max(0, injectedAt + jump.atMs - Date.now())
      )
    )
  const stop = () => timers.forEach((timer) => clearTimeout(timer))
  ctx.signal.addEventListener('abort', stop, { once: true })
  return {
    targets: skewed.map((target) => target.label),
    revert: async () => {
      stop()
      try {
        await undos.revert()
      } finally {
        release()
      }
    },
  }
}

/** The target's timestamp file, or a one-line refusal naming the service and the field. */
function faketimeTarget(
  target: ProcessTarget,
  preloadDir: (service: string, replica: number) => string
): Skewed {
  const label = describeTarget(target)
  const env = readEnviron(target.pid)
  if (env === undefined) {
    throw new FaultInjectionError(`clock-skew: ${label} is gone or its environment cannot be read`)
  }
  const file = env[FAKETIME_FILE_VAR]
  if (!hasPreload(env, [LIBFAKETIME_SO]) || file === undefined) {
    throw new FaultInjectionError(
      target.service !== undefined
        ? `clock-skew: service ${target.service} (${label}) was not launched under libfaketime: add 'preload: [libfaketime]' to service ${target.service} in spec.system.services`
        : `clock-skew: ${label} was not started under libfaketime (LD_PRELOAD with ${FAKETIME_FILE_VAR}); ordeal can only give a preload to a service it launches (spec.system.services[].preload)`
    )
  }
  // The path comes from the target's memory, which the target can rewrite: only the very file
  // this run's launch hook made for this replica (`<runDir>/preload/<service>-<replica>/
  // faketime.rc`), not a symlink, a regular file of ordeal's own with one link
  // (checkControlFile), is written. So a service can make ordeal (root) write neither a file of
  // its choosing nor another replica's or another run's clock.
  const expected =
    target.service !== undefined && target.replica !== undefined
      ? path.join(preloadDir(target.service, target.replica), FAKETIME_FILE_NAME)
      : undefined
  if (expected === undefined || path.resolve(file) !== expected) {
    throw new FaultInjectionError(
      `clock-skew: ${label}: its ${FAKETIME_FILE_VAR} (${file}) is not the timestamp file ordeal made for it: left alone`
    )
  }
  try {
    checkControlFile(file)
  } catch (error) {
    throw new FaultInjectionError(`clock-skew: ${label}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return { label, file, startMs: processStartMs(target.pid) }
}

/**
 * When the process started, on the real wall clock: now minus its age, the age from
 * /proc/uptime (10 ms ticks) and its start tick; /proc/stat's btime is whole seconds only.
 */
function processStartMs(pid: number): number {
  const now = Date.now()
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command (which may hold spaces and parens): state is field 3, start 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const startTicks = Number(fields[19])
  return now - (uptimeS * 1000 - startTicks * 10)
}

function jumpsOf(params: ClockSkewParams): Jump[] {
  return (params.jumps ?? [])
    .map((jump) => ({ atMs: parseDuration(jump.at) ?? 0, byMs: parseOffset(jump.by) ?? 0 }))
    .sort((a, b) => a.atMs - b.atMs)
}

/** `-90s`, `+2h 30s`-style for journal lines: seconds with a sign. */
function signed(ms: number): string {
  const s = Number((ms / 1000).toFixed(3))
  return `${s < 0 ? '' : '+'}${s}s`
}
