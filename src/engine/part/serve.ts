/**
 * A part's life after `run.started` (part.ts): `prepare` lays out this host's services,
 * `start` starts them knowing the other hosts', then `fault`, `probe` and `load` commands are
 * carried out concurrently (the coordinator runs steps in parallel) until `stop`. The runner's
 * usual teardown follows (reverse order, ledger sweep, `run.ended`), whatever ended serving:
 * `stop`, a failed start, an abort (the `abort` frame, the lease, the deadline).
 * @module
 */
import type { Experiment } from '../../experiment/model.js'
import type { FaultValue, PartCommand, ProbeValue } from '../../platforms/agent/part.js'
import type { Launcher } from '../../platforms/local/exec-policy.js'
import type { Supervisor } from '../../platforms/local/supervisor.js'
import type { TemplateVars } from '../../shared/template.js'
import type { AbortKind } from '../events.js'
import { drawAfter, runFaultStep, type FaultStepEnv } from '../fault-step.js'
import { TimingDraws } from '../timing-draw.js'
import { runLoadStep } from '../load-step.js'
import { checkOnce } from '../probe-check.js'
import type { PartMode } from './channel.js'
import { runHostPartition } from './host-fault.js'
import { findProbe, findStep } from './lookup.js'
import { untilAborted } from '../../shared/until-aborted.js'

export interface ServeEnv {
  part: PartMode
  experiment: Experiment
  supervisor: Supervisor
  /** The address other hosts reach this one on (`prepare`), and their services (`start`). */
  layout: { address?: string; remote: TemplateVars }
  /** `prepare` came: the coordinator's clock has started (part/deadline.ts). */
  prepared?: () => void
  /** Fault steps run as in a local run: same ledger, watchdog, journal. */
  fault: Omit<FaultStepEnv, 'signal'>
  launch: Launcher
  /** The run's abort signal: ends serving (and every command in flight). */
  signal: AbortSignal
  abort: (kind: AbortKind, reason: string) => void
}

type Phase = 'prepare' | 'start' | 'serve'

export async function servePart(env: ServeEnv): Promise<void> {
  const { channel } = env.part
  const { journal } = env.fault
  const stopped = new AbortController()
  const serving = AbortSignal.any([env.signal, stopped.signal])
  const inflight = new Set<Promise<void>>()
  let phase: Phase = 'prepare'
  try {
    for (;;) {
      const message = await channel.next(env.signal)
      if (!message) {
        return
      }
      const { id, command } = message
      const ok = (value: unknown) => channel.reply({ id, ok: true, value })
      const fail = (error: unknown) => channel.reply({ id, ok: false, error: text(error) })
      const expected = expectedPhase(command)
      if (expected !== undefined && expected !== phase) {
        fail(`${command.kind} is out of order: the part expects ${phase}`)
        continue
      }
      switch (command.kind) {
        case 'prepare':
          env.prepared?.()
          try {
            env.layout.address = command.address
            await env.supervisor.prepare()
            ok({ services: env.supervisor.templateVars()['services'] ?? {} })
            phase = 'start'
          } catch (error) {
            journal.emit({ type: 'system.failed', error: text(error) })
            fail(error)
            return
          }
          break
        case 'start':
          try {
            env.layout.remote = command.remote as TemplateVars // the Chaos Center's, from its prepare replies
            // An abort (another part failed to start, the run was stopped) must not wait out a
            // readiness timeout here: teardown stops the supervisor, which ends that wait.
            await untilAborted(env.supervisor.start(), env.signal, () => {
              throw new Error('the part was aborted while starting')
            })
            journal.emit({ type: 'system.ready' })
            ok({})
            phase = 'serve'
          } catch (error) {
            journal.emit({ type: 'system.failed', error: text(error) })
            fail(error)
            return
          }
          break
        case 'stop':
          stopped.abort()
          await Promise.allSettled(inflight)
          ok({})
          return
        default: {
          const task = carryOut(command, env, serving).then(ok, fail)
          inflight.add(task)
          void task.finally(() => inflight.delete(task))
        }
      }
    }
  } finally {
    channel.close()
    stopped.abort()
    await Promise.allSettled(inflight)
  }
}

/** The phase a command belongs to; undefined for `stop` (any time). */
function expectedPhase(command: PartCommand): Phase | undefined {
  switch (command.kind) {
    case 'prepare':
      return 'prepare'
    case 'start':
      return 'start'
    case 'stop':
      return undefined
    default:
      return 'serve'
  }
}

/** Per part: the draws of the coordinator's seed, kept so each stream's count carries on. */
const kCoordinatorDraws = new WeakMap<TimingDraws, TimingDraws>()

/**
 * The coordinator's seed, when it sent one, so every part draws what a local run with that
 * seed would (and both sides of a cross-host partition the same `after`); else the part's own.
 */
function partTiming(own: TimingDraws, seed: number | undefined): TimingDraws {
  if (seed === undefined || seed === own.seed) {
    return own
  }
  let draws = kCoordinatorDraws.get(own)
  if (draws?.seed !== seed) {
    draws = new TimingDraws(seed)
    kCoordinatorDraws.set(own, draws)
  }
  return draws
}

async function carryOut(
  command: Extract<PartCommand, { kind: 'fault' | 'probe' | 'load' }>,
  env: ServeEnv,
  signal: AbortSignal
): Promise<FaultValue | ProbeValue | Record<string, never>> {
  const vars = () => env.supervisor.templateVars()
  switch (command.kind) {
    case 'fault': {
      const step = findStep(env.experiment, command.stepId, 'fault')
      const faultEnv = { ...env.fault, timing: partTiming(env.fault.timing, command.seed) }
      if (command.rules !== undefined) {
        // A ranged `after` is drawn (and journaled) here, as runFaultStep draws its own.
        const { afterRange: _range, ...fixed } = step.fault
        const fault = { ...fixed, afterMs: drawAfter(step.fault, faultEnv) }
        return runHostPartition(step.id, fault, command.rules, {
          runId: env.fault.runId,
          journal: env.fault.journal,
          ledger: env.fault.ledger,
          permission: env.part,
          signal,
          deadlineSlackMs: env.fault.deadlineSlackMs,
          ...(env.fault.ledgerWatch ? { ledgerWatch: env.fault.ledgerWatch } : {}),
        })
      }
      // No probe schedulers here: the coordinator keeps the probe schedule.
      const failure = await runFaultStep(
        step.id,
        step.fault,
        { ...faultEnv, signal },
        { injected: () => undefined, reverted: () => undefined }
      )
      return failure === undefined ? {} : { failure }
    }
    case 'probe': {
      const probe = findProbe(env.experiment, command.probeId)
      const outcome = await checkOnce(probe, {
        vars,
        baseDir: env.experiment.baseDir,
        launch: env.launch,
        signal,
      })
      return { passed: outcome.passed, message: outcome.message }
    }
    case 'load': {
      const step = findStep(env.experiment, command.stepId, 'load')
      await runLoadStep(step.id, step.load, {
        journal: env.fault.journal,
        signal,
        vars,
        abort: env.abort,
      })
      return {}
    }
  }
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
