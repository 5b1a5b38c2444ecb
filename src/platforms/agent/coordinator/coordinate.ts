/**
 * The coordinator of a multi-host run (design §6): the one timeline, in the Chaos Center. Each
 * part (an ordinary run process on its agent) starts only its own services and then does what
 * it is told; the coordinator walks the steps with the engine's own step walk (step-runner.ts),
 * sending each fault, probe check and load to the part that carries it, and merges every part's
 * events into the run's one journal (merge.ts). Whatever happens, every part that is not lost
 * is told to stop, and the run ends only once each part ended or was lost, so nothing a part
 * did is left out of the journal.
 * @module
 */
import type { AbortKind, EventHost, JournalEventBody } from '../../../engine/events.js'
import { AbortMonitor } from '../../../engine/abort-monitor.js'
import type { FaultHooks } from '../../../engine/fault-step.js'
import { notRunVerdicts } from '../../../engine/not-run.js'
import { planSteps } from '../../../engine/plan.js'
import { randomSeed } from '../../../engine/timing-draw.js'
import { deriveResult, type RunResult } from '../../../engine/result.js'
import { stepRunner, type FaultStep, type LoadStep } from '../../../engine/step-runner.js'
import { walkSteps, type Probe } from '../../../experiment/model.js'
import type { ProbeOutcome } from '../../../probes/contract.js'
import type { FaultValue, PreparedValue, ProbeValue } from '../part.js'
import type { CoordinateArgs, Coordination, PartLink } from './link.js'
import { JournalMerge } from './merge.js'
import { untilAborted as untilSignal } from '../../../shared/until-aborted.js'
import { faultParts } from './targets.js'

/** How often the merge looks at the watermark again without news (a part's mark period). */
const kReleaseEveryMs = 100
/** CoordinateArgs.stopGraceMs's default. */
const kStopGraceMs = 30_000

const stopped = Symbol('stopped')

export function coordinate(args: CoordinateArgs): Coordination {
  const { experiment } = args
  const now = args.now ?? Date.now
  // One seed for the whole run: each part draws its faults' timing from it (timing-draw.ts).
  const seed = args.seed ?? randomSeed()
  const links = new Map(args.parts.map((p) => [p.logical, p]))
  const controller = new AbortController()
  let aborted = false
  let abortReason = ''
  let finished = false
  /** Set once the parts are told to stop: a part ending after this is expected to. */
  let stopping = false
  const lost = new Set<string>()
  const ended = new Set<string>()
  /** Why a part's own journal says it aborted (its watchdog, its agent's abort, ...). */
  const partAborts = new Map<string, string>()

  const monitor = new AbortMonitor(experiment.abort, (kind, reason) => abort(kind, reason))
  const merge = new JournalMerge({
    parts: [...links.keys()],
    now,
    onEvent: (event) => {
      monitor.onEvent(event)
      args.onEvent(event)
    },
  })
  const emit = (body: JournalEventBody & EventHost) => merge.emit(body)

  function abort(kind: AbortKind, reason: string): void {
    if (aborted || finished) {
      return
    }
    aborted = true
    abortReason = reason
    emit({ type: 'run.aborted', kind, reason })
    controller.abort()
  }

  // Fault steps waiting for the first part to report their injection (the window opens).
  const injectedWatch = new Map<string, () => void>()
  for (const link of args.parts) {
    link.onEvents((events) => {
      for (const e of events) {
        if (e.type === 'fault.injected') {
          injectedWatch.get(e.faultId)?.()
        } else if (e.type === 'run.aborted' && !partAborts.has(link.logical)) {
          partAborts.set(link.logical, e.reason)
        }
      }
      merge.partEvents(link.logical, events, link.clock())
    })
    link.onMark((mark) => merge.partMark(link.logical, mark, link.clock()))
    void link.ended.then(() => {
      ended.add(link.logical)
      merge.partDone(link.logical)
      // A part ends by itself only when something went wrong there: the run cannot go on.
      if (!stopping) {
        const why = partAborts.get(link.logical) ?? 'its journal ended'
        abort('error', `agent ${link.agent} (${link.logical}) ended its part early: ${why}`)
      }
    })
    void link.lost.then((reason) => {
      if (ended.has(link.logical) || lost.has(link.logical)) {
        // Its journal is whole, or the stop grace already counted it lost: nothing more to say.
        return
      }
      lost.add(link.logical)
      merge.partDone(link.logical)
      abort('error', `agent ${link.agent} (${link.logical}) was lost: ${reason}`)
    })
  }

  const probeAgent = new Map<string, string>()
  for (const step of walkSteps(experiment.root)) {
    for (const probe of step.probes) {
      if (probe.agent !== undefined) {
        probeAgent.set(probe.id, probe.agent)
      }
    }
  }

  /** Probe events say which host checked (or would have). */
  const withHost = (body: JournalEventBody): JournalEventBody & EventHost =>
    (body.type === 'probe.attempt' || body.type === 'probe.verdict') && probeAgent.has(body.probeId)
      ? { ...body, host: probeAgent.get(body.probeId)! }
      : body

  const result = run()
  return { abort, result }

  async function run(): Promise<RunResult> {
    const ticker = setInterval(() => merge.release(), kReleaseEveryMs)
    const deadline = setTimeout(
      () => abort('deadline', `run deadline of ${experiment.deadlineMs}ms exceeded`),
      experiment.deadlineMs
    )
    try {
      emit({
        type: 'run.started',
        runId: args.runId,
        experiment: experiment.name,
        hypothesis: experiment.hypothesis,
        ...(experiment.file === undefined ? {} : { file: experiment.file }),
        plan: planSteps(experiment),
        checks: [],
        seed,
      })
      emit({ type: 'system.starting', services: experiment.system.services.map((s) => s.name) })
      if ((await startParts()) && !controller.signal.aborted) {
        await stepRunner({
          emit: (body) => emit(withHost(body)),
          signal: controller.signal,
          abort,
          actions: { fault: runFault, load: runLoad, probes: probeEnv() },
        })(experiment.root, [])
      }
    } catch (error) {
      abort('error', `the coordinator failed: ${message(error)}`)
    } finally {
      clearTimeout(deadline)
      await stopParts()
      clearInterval(ticker)
    }
    // Every part ended or was lost: what is left goes out in t order before the end.
    merge.flush()
    for (const verdict of notRunVerdicts(merge.events)) {
      emit(withHost(verdict))
    }
    emit({ type: 'system.stopped' })
    emit({ type: 'run.ended' })
    finished = true
    merge.close()
    return deriveResult(merge.events)
  }

  /** prepare, then start, on every part; false (system.failed journaled) if one failed. */
  async function startParts(): Promise<boolean> {
    try {
      const prepared = await onEveryPart(async (link) => {
        const value = (await onPart(link, { kind: 'prepare', address: link.address })) as
          PreparedValue | undefined
        return [link.logical, value?.services ?? {}] as const
      })
      if (prepared === stopped) {
        return false
      }
      const started = await onEveryPart((link) =>
        onPart(link, {
          kind: 'start',
          remote: Object.assign(
            {},
            ...prepared.filter(([l]) => l !== link.logical).map(([, s]) => s)
          ) as Record<string, unknown>,
        })
      )
      if (started === stopped) {
        return false
      }
      emit({ type: 'system.ready' })
      return true
    } catch (error) {
      emit({ type: 'system.failed', error: message(error) })
      // The other parts may still be waiting for their services to be ready: a `stop` would
      // queue behind that wait, an abort ends it now (each part then rolls back and ends).
      for (const link of args.parts) {
        if (!lost.has(link.logical) && !ended.has(link.logical)) {
          link.abort(`the system failed to start: ${message(error)}`)
        }
      }
      return false
    }
  }

  /**
   * One step of the start on every part at once. Aborted meanwhile: the parts that have not
   * answered are aborted, since a part answers one command at a time and a `stop` would queue
   * behind their readiness wait (the failure path does the same).
   */
  async function onEveryPart<T>(
    step: (link: PartLink) => Promise<T>
  ): Promise<T[] | typeof stopped> {
    const answered = new Set<string>()
    const values = await untilAborted(
      Promise.all(
        args.parts.map(async (link) => {
          const value = await step(link)
          answered.add(link.logical)
          return value
        })
      )
    )
    if (values === stopped) {
      for (const link of args.parts) {
        if (!answered.has(link.logical) && !lost.has(link.logical) && !ended.has(link.logical)) {
          link.abort(`the run was aborted while starting: ${abortReason}`)
        }
      }
    }
    return values
  }

  /**
   * `stop` to every part not lost, then wait until each ended or was lost; a part that has not
   * ended `stopGraceMs` after its stop (the stop or its reply lost with a socket, its journal
   * stuck) is aborted and counted lost, so the run ends.
   */
  async function stopParts(): Promise<void> {
    stopping = true
    const graceMs = args.stopGraceMs ?? kStopGraceMs
    await Promise.all(
      args.parts.map(async (link) => {
        let timer: NodeJS.Timeout | undefined
        const graceOver = new Promise<typeof stopped>((resolve) => {
          timer = setTimeout(() => resolve(stopped), graceMs)
        })
        try {
          if (!lost.has(link.logical) && !ended.has(link.logical)) {
            try {
              await Promise.race([link.command({ kind: 'stop' }), link.lost, link.ended, graceOver])
            } catch (error) {
              // The part could not tear down as told: its agent rolls it back by itself.
              emit({
                type: 'run.warning',
                message: `agent ${link.agent} (${link.logical}) could not stop: ${message(error)}`,
              })
              link.abort(`stop failed: ${message(error)}`)
            }
          }
          const end = await Promise.race([link.ended, link.lost, graceOver])
          if (end === stopped && !ended.has(link.logical) && !lost.has(link.logical)) {
            lost.add(link.logical)
            emit({
              type: 'run.warning',
              message: `agent ${link.agent} (${link.logical}) did not end within ${graceMs}ms of stop: aborted, and counted lost`,
            })
            link.abort(`it did not end within ${graceMs}ms of stop`)
          }
        } finally {
          clearTimeout(timer)
        }
        merge.partDone(link.logical)
      })
    )
  }

  async function runFault(step: FaultStep, hooks: FaultHooks): Promise<string | undefined> {
    const parts = faultParts(experiment, step.fault, links)
    if (typeof parts === 'string') {
      return parts
    }
    let injected = false
    injectedWatch.set(step.fault.id, () => {
      if (!injected) {
        injected = true
        hooks.injected(step.fault.durationMs)
      }
    })
    try {
      // The first side that fails ends the step at once (the run aborts and the other sides
      // are told to stop), as a local fault that fails does: no side holds on for its duration.
      const failures = await untilAborted(
        firstFailure(
          parts.map(({ logical, rules }) => {
            const link = links.get(logical)!
            return onPart(link, {
              kind: 'fault',
              stepId: step.id,
              ...(rules ? { rules } : {}),
              seed,
            }).then((value) => {
              const failure = (value as FaultValue | undefined)?.failure
              return failure === undefined
                ? undefined
                : `agent ${link.agent} (${logical}): ${failure}`
            }, message)
          })
        )
      )
      // Aborted: the part holds the fault until `stop` (or its own timing) reverts it.
      if (failures === stopped) {
        return undefined
      }
      const failure = failures
      if (failure !== undefined) {
        // A part lost mid-fault rejects its command too: let the loss be the run's reason.
        await new Promise((resolve) => setImmediate(resolve))
      }
      return failure
    } finally {
      injectedWatch.delete(step.fault.id)
      if (injected) {
        hooks.reverted()
      }
    }
  }

  async function runLoad(step: LoadStep): Promise<void> {
    const link = links.get(step.agent ?? '')
    if (!link) {
      throw new Error(`load step ${step.id} names no agent of the run (agent: next to load:)`)
    }
    await untilAborted(onPart(link, { kind: 'load', stepId: step.id }))
  }

  function probeEnv() {
    return {
      vars: () => ({}),
      baseDir: experiment.baseDir,
      check: async (probe: Probe): Promise<ProbeOutcome> => {
        const link = links.get(probe.agent ?? '')
        if (!link) {
          return { passed: false, message: `probe ${probe.name} names no agent of the run` }
        }
        const value = (await onPart(link, { kind: 'probe', probeId: probe.id })) as ProbeValue
        return { passed: value.passed, message: value.message }
      },
    }
  }

  /** A command to a part; its failure names the agent. */
  async function onPart(link: PartLink, command: Parameters<PartLink['command']>[0]) {
    try {
      return await link.command(command)
    } catch (error) {
      throw new Error(
        `agent ${link.agent} (${link.logical}) could not ${command.kind}: ${message(error)}`
      )
    }
  }

  /** The promise's value, or `stopped` as soon as the run is aborted. */
  function untilAborted<T>(promise: Promise<T>): Promise<T | typeof stopped> {
    return untilSignal(promise, controller.signal, () => stopped)
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The first failure any of them resolves with, or undefined once all resolved without one. */
function firstFailure(sides: Promise<string | undefined>[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    let left = sides.length
    if (left === 0) {
      resolve(undefined)
    }
    for (const side of sides) {
      void side.then((failure) => {
        left--
        if (failure !== undefined || left === 0) {
          resolve(failure)
        }
      })
    }
  })
}
