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
import type {
  FaultHandle,
  ScriptContext,
  ScriptProbeOutcome,
  ScriptProbeSpec,
} from '../experiment/script-types.js'
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
  // A call the script does not await (`fault.pause('a', '5s'); fault.pause('b', '5s')`) must
  // not crash the runner with an unhandled rejection: every promise handed to the script is
  // marked handled (awaiting it still throws), and a misuse (bad fault spec, bad duration) is
  // kept here to fail the step even when nobody awaited it.
  const misuses: Error[] = []
  const handed = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch((error: unknown) => {
      if (error instanceof TypeError) {
        misuses.push(error)
      }
    })
    return promise
  }

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

  const faultFn = Object.assign(
    (spec: FaultInput) => handed(inject(spec)),
    {}
  ) as ScriptContext['fault']
  const fault = new Proxy(faultFn, {
    get(target, key) {
      if (typeof key !== 'string' || key in target) {
        return Reflect.get(target, key) as unknown
      }
      const type = kAliases[key] ?? kebab(key)
      return (selector: unknown, duration: string, params: object = {}) =>
        handed(
          inject({
            ...params,
            type,
            target: typeof selector === 'string' ? { service: selector } : selector,
            duration,
          })
        )
    },
  })

  const context: ScriptContext = {
    fault,
    note: (text) => env.emit({ type: 'script.note', stepId: step.id, text: oneLine(String(text)) }),
    observe: (name, value) => {
      if (signal.aborted) {
        return // the run stopped: its monitors are done
      }
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError(`observe('${name}'): the value must be a string, number or boolean`)
      }
      env.emit({ type: 'observation', stepId: step.id, name: oneLine(String(name)), value })
    },
    wait: (duration) => handed(waitFor(duration)),
    probe: (spec) => handed(probeOnce(spec)),
    signal,
  }

  async function waitFor(duration: string | number): Promise<void> {
    const ms = typeof duration === 'number' ? duration : parseDuration(duration)
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      throw new TypeError(`wait('${String(duration)}'): expected a duration like 5s`)
    }
    await sleep(ms, signal)
    if (signal.aborted) {
      // The script must not go on acting after the run stopped.
      throw new Error('the run is stopping')
    }
  }

  async function probeOnce(spec: ScriptProbeSpec): Promise<ScriptProbeOutcome> {
    probes += 1
    const probe = probeOf(`${step.id}/probe.${probes}`, spec)
    const outcome = await evaluateProbe(probe, {
      ...env.probes,
      signal,
      onAttempt: () => undefined,
    })
    const result: ScriptProbeOutcome = { passed: outcome.passed, message: outcome.message }
    context.note(`probe ${probe.name} ${outcome.passed ? 'passed' : 'failed'}: ${outcome.message}`)
    return result
  }

  let thrown: { error: unknown } | undefined
  try {
    // Bounded once the run stops: a script awaiting something that ignores the signal (a fetch
    // without it, a long timer) must not hold the run open (safety invariant 4).
    const script = Promise.resolve().then(() => step.script(context))
    script.catch(() => undefined)
    const outlived = await Promise.race([
      script.then(() => false),
      afterAbort(signal, kScriptGraceMs).then(() => true),
    ])
    if (outlived) {
      throw new Error(
        `the script did not end within ${kScriptGraceMs / 1000}s of the run stopping; left behind`
      )
    }
  } catch (error) {
    thrown = { error }
  }
  if (!thrown && misuses.length > 0) {
    thrown = { error: misuses[0] }
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
function probeOf(id: string, spec: ScriptProbeSpec): Probe {
  const input = { ...spec, mode: spec.mode ?? 'SOT' } as ProbeInput
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

/** How long a script may go on after the run stops before the step leaves it behind. */
const kScriptGraceMs = 5_000

/** Resolves `graceMs` after `signal` aborts; never before. */
function afterAbort(signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const arm = () => setTimeout(resolve, graceMs).unref()
    if (signal.aborted) {
      arm()
    } else {
      signal.addEventListener('abort', arm, { once: true })
    }
  })
}
