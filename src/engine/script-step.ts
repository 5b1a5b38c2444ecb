/**
 * An imperative step of the TypeScript form (issue 19 §1): runs the author's async function
 * with `{ fault, note, observe, wait, probe, signal }`. Each `fault.<type>(...)` is a fault step
 * of its own through {@link runFaultStep}: ledgered before it acts, under the watchdog's
 * deadline, journaled (`fault.injected` with id `<step>/fault.<n>`), reverted at its duration's
 * end, at the run's abort (Ctrl+C), or when the script ends or throws; counted in the result
 * like a YAML fault. The step ends when the function has returned and every fault it injected
 * has been reverted.
 * @module
 */
import type { Fault, Probe } from '../experiment/model.js'
import {
  faultSchema,
  probeSchemaUnion,
  type FaultInput,
  type ProbeInput,
} from '../experiment/schema.js'
import type { FaultHandle, ScriptContext, ScriptProbeOutcome } from '../experiment/script-types.js'
import { DEFAULTS } from '../experiment/defaults.js'
import { oneLine } from '../experiment/load-guards.js'
import { parseDuration, sleep } from '../shared/duration.js'
import { isFixed, timingOf } from '../shared/timing-range.js'
import type { JournalEventBody } from './events.js'
import { runFaultStep, type FaultHooks, type FaultStepEnv } from './fault-step.js'
import { evaluateProbe, type CheckEnv } from './probe-check.js'
import type { ScriptStep } from './step-runner.js'

export interface ScriptStepEnv {
  /** What a fault of the script needs: the same as a fault step's. */
  fault: FaultStepEnv
  emit(body: JournalEventBody): unknown
  /** How `probe(...)` evaluates: the run's probe environment. */
  probes: Omit<CheckEnv, 'signal' | 'onAttempt'>
}

/** Fault types by their short names: `fault.pause('api', '5s')` is a `process-pause`. */
const kAliases: Record<string, string> = {
  pause: 'process-pause',
  kill: 'process-kill',
  restart: 'process-restart',
}

/**
 * Runs the script to its end; returns why it could not be carried out (a fault not injected or
 * not reverted), or undefined. A throw of the script is rethrown after its faults are undone.
 */
export async function runScriptStep(
  step: ScriptStep,
  env: ScriptStepEnv,
  hooks: Pick<FaultHooks, 'injected' | 'reverted'>
): Promise<string | undefined> {
  const signal = env.fault.signal
  const running: { release: AbortController; done: Promise<string | undefined> }[] = []
  let faults = 0
  let probes = 0

  const inject = async (spec: unknown): Promise<FaultHandle> => {
    if (signal.aborted) {
      throw new Error('the run is stopping: no new fault')
    }
    const parsed = faultSchema.safeParse(spec)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      throw new TypeError(`fault: ${at}${issue.message}`)
    }
    const input = spec as FaultInput
    faults += 1
    const fault = faultOf(`${step.id}/fault.${faults}`, input)
    const release = new AbortController()
    let injected = false
    let opened: () => void = () => undefined
    const open = new Promise<void>((resolve) => (opened = resolve))
    const done = runFaultStep(step.id, fault, env.fault, {
      injected: (windowMs) => {
        injected = true
        hooks.injected(windowMs)
        opened()
      },
      reverted: hooks.reverted,
      release: release.signal,
    })
    running.push({ release, done })
    // Awaited, a fault is in place: the script goes on while it holds (or learns it failed).
    await Promise.race([open, done])
    if (!injected) {
      const failure = await done
      throw new Error(
        `fault ${fault.type} could not be injected: ${failure ?? 'the run is stopping'}`
      )
    }
    const reverted = done.then(() => undefined)
    // Rejects for a script that awaits it; one that does not must not crash the run (the
    // step's own wait for its faults reports the error).
    reverted.catch(() => undefined)
    return {
      id: fault.id,
      reverted,
      revert: async () => {
        release.abort()
        await done
      },
    }
  }

  const faultFn = Object.assign((spec: FaultInput) => inject(spec), {}) as ScriptContext['fault']
  const fault = new Proxy(faultFn, {
    get(target, key) {
      if (typeof key !== 'string' || key in target) {
        return Reflect.get(target, key) as unknown
      }
      const type = kAliases[key] ?? kebab(key)
      return (selector: unknown, duration: string, params: object = {}) =>
        inject({
          ...params,
          type,
          target: typeof selector === 'string' ? { service: selector } : selector,
          duration,
        })
    },
  })

  const context: ScriptContext = {
    fault,
    note: (text) => env.emit({ type: 'script.note', stepId: step.id, text: oneLine(String(text)) }),
    observe: (name, value) => {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError(`observe('${name}'): the value must be a string, number or boolean`)
      }
      env.emit({ type: 'observation', stepId: step.id, name: oneLine(String(name)), value })
    },
    wait: async (duration) => {
      const ms = typeof duration === 'number' ? duration : parseDuration(duration)
      if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
        throw new TypeError(`wait('${String(duration)}'): expected a duration like 5s`)
      }
      await sleep(ms, signal)
      if (signal.aborted) {
        // The script must not go on acting after the run stopped.
        throw new Error('the run is stopping')
      }
    },
    probe: async (spec) => {
      probes += 1
      const probe = probeOf(`${step.id}/probe.${probes}`, spec as ProbeInput)
      const outcome = await evaluateProbe(probe, {
        ...env.probes,
        signal,
        onAttempt: () => undefined,
      })
      const result: ScriptProbeOutcome = { passed: outcome.passed, message: outcome.message }
      context.note(
        `probe ${probe.name} ${outcome.passed ? 'passed' : 'failed'}: ${outcome.message}`
      )
      return result
    },
    signal,
  }

  let thrown: { error: unknown } | undefined
  try {
    await step.script(context)
  } catch (error) {
    thrown = { error }
  }
  if (thrown || signal.aborted) {
    // Nothing the script started outlives it: what still holds is reverted now.
    running.forEach((r) => r.release.abort())
  }
  const failures = (await Promise.all(running.map((r) => r.done))).filter(
    (f): f is string => f !== undefined
  )
  if (thrown) {
    throw thrown.error
  }
  return failures[0]
}

/** The resolved fault, as resolve.ts makes a fault step's. */
function faultOf(id: string, input: FaultInput): Fault {
  const after = timingOf(input.after ?? '0s')
  return {
    id,
    type: input.type,
    afterMs: after.minMs,
    ...(isFixed(after) ? {} : { afterRange: after }),
    durationMs: parseDuration(input.duration) ?? 0,
    params: input,
  }
}

/** A probe of `probe(...)`, its run properties defaulted as a manifest's are. */
function probeOf(id: string, spec: ProbeInput): Probe {
  const input = { mode: 'SOT', ...spec } as ProbeInput
  const parsed = probeSchemaUnion.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
    throw new TypeError(`probe: ${at}${issue.message}`)
  }
  const rp = input.runProperties ?? {}
  const ms = (text: string | undefined, fallback: string) => parseDuration(text ?? fallback) ?? 0
  return {
    id,
    name: input.name,
    type: input.type,
    mode: input.mode,
    params: input,
    run: {
      timeoutMs: ms(rp.timeout, DEFAULTS.probeTimeout),
      intervalMs: ms(rp.interval, DEFAULTS.probeInterval),
      attempts: rp.attempts ?? DEFAULTS.probeAttempts,
      pollingIntervalMs: ms(rp.pollingInterval, DEFAULTS.pollingInterval),
      initialDelayMs: ms(rp.initialDelay, DEFAULTS.initialDelay),
      stopOnFailure: false,
    },
  }
}

/** `networkPartition` → `network-partition`. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}
