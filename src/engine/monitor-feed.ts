/**
 * Runs a run's monitors (issue 19): from the system ready to the end of the steps, each is fed
 * the journal's probe attempts and events, its own polls of probes, and whatever code pushes
 * (`push`, the feed the TypeScript form uses); a timer wakes them at their next state timeout.
 * Every transition and every stop goes to the journal, from which the result is derived.
 * @module
 */
import type { Experiment, Probe } from '../experiment/model.js'
import { walkSteps } from '../experiment/model.js'
import type { MonitorDef, MonitorInstance } from '../monitors/contract.js'
import { compileMonitor } from '../monitors/compile.js'
import {
  OBSERVABLE_EVENTS,
  type Observation,
  type ObservationFeed,
} from '../monitors/observation.js'
import type { ProbeOutcome } from '../probes/contract.js'
import { sleep } from '../shared/duration.js'
import type { JournalEvent, JournalEventBody, PlannedMonitor } from './events.js'
import { scriptObservation } from './script-observation.js'

export interface MonitorFeedOptions {
  monitors: readonly MonitorDef<Observation>[]
  emit(body: JournalEventBody): unknown
  /** Probes the monitors poll, with how often (`poll:`), by probe. */
  polls?: { probe: Probe; everyMs: number }[]
  /** One attempt of a probe, bounded by its timeout (probe-check.ts `checkOnce`). */
  check?: (probe: Probe, signal: AbortSignal) => Promise<ProbeOutcome>
  /** Probe id → name, to read `probe.attempt` events as observations of the probe by name. */
  probeNames?: ReadonlyMap<string, string>
  /** @default Date.now */
  now?: () => number
}

const kObservable = new Set<string>(OBSERVABLE_EVENTS)

export class MonitorFeed implements ObservationFeed {
  readonly #options: MonitorFeedOptions
  readonly #running: MonitorInstance<Observation>[] = []
  readonly #reported = new Set<MonitorInstance<Observation>>()
  readonly #stopPolls = new AbortController()
  #polls: Promise<void>[] = []
  #timer: NodeJS.Timeout | undefined
  #last = 0
  #stopped = false

  constructor(options: MonitorFeedOptions) {
    this.#options = options
  }

  /** Starts every monitor now, and its polls. */
  start(): void {
    const at = this.#now()
    for (const def of this.#options.monitors) {
      const instance = def.start(at, {
        onTransition: (transition) =>
          this.#options.emit({ type: 'monitor.transition', monitor: def.name, transition }),
      })
      this.#running.push(instance)
    }
    this.#settle()
    const check = this.#options.check
    if (check) {
      this.#polls = (this.#options.polls ?? []).map((p) => this.#poll(p.probe, p.everyMs, check))
    }
  }

  /** A journal listener: probe attempts and observable events, after the emit that carried them. */
  readonly onEvent = (event: JournalEvent): void => {
    const observation = this.#fromEvent(event)
    if (observation) {
      // Not inside the journal's emit: the transition is journaled after the event that caused it
      // has reached every listener (the terminal prints the kill before the monitor's reaction).
      queueMicrotask(() => this.push(observation, event.t))
    }
  }

  /** Feeds an observation to every monitor (the feed the TypeScript form pushes into). */
  push(observation: Observation, at = this.#now()): void {
    if (this.#stopped) {
      return
    }
    const t = this.#clock(at)
    for (const m of this.#running) {
      m.observe(observation, t)
    }
    this.#settle()
  }

  /** The steps are over: polls stop, and a monitor still running ends by its state's rule. */
  async stop(): Promise<void> {
    if (this.#stopped) {
      return
    }
    // Observations already queued from the journal are seen first.
    await Promise.resolve()
    this.#stopPolls.abort()
    await Promise.all(this.#polls)
    const at = this.#clock(this.#now())
    this.#stopped = true
    clearTimeout(this.#timer)
    for (const m of this.#running) {
      m.finish(at)
    }
    this.#report()
  }

  #fromEvent(e: JournalEvent): Observation | undefined {
    // A script step's `observe(name, value)` (script-observation.ts): a named value.
    const script = scriptObservation(e)
    if (script !== undefined) {
      return script
    }
    if (e.type === 'probe.attempt') {
      const name = this.#options.probeNames?.get(e.probeId)
      return name === undefined
        ? undefined
        : {
            kind: 'probe',
            name,
            passed: e.passed,
            message: e.message,
            ...(e.value === undefined ? {} : { value: e.value }),
          }
    }
    if (!kObservable.has(e.type)) {
      return undefined
    }
    const { seq: _seq, t: _t, ...fields } = e
    return { kind: 'event', name: e.type, fields }
  }

  async #poll(
    probe: Probe,
    everyMs: number,
    check: NonNullable<MonitorFeedOptions['check']>
  ): Promise<void> {
    const signal = this.#stopPolls.signal
    while (!signal.aborted && this.#running.some((m) => !m.verdict)) {
      const outcome = await check(probe, signal)
      if (signal.aborted) {
        return // cut short by the end of the steps: not an observation of the system
      }
      this.push({
        kind: 'probe',
        name: probe.name,
        passed: outcome.passed,
        message: outcome.message,
        ...(outcome.value === undefined ? {} : { value: outcome.value }),
      })
      await sleep(everyMs, signal)
    }
  }

  /** Times only move forward: a journal event stamped before the last poll counts as then. */
  #clock(at: number): number {
    this.#last = Math.max(this.#last, at)
    return this.#last
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  /** Journals new stops and sets the timer for the next state timeout. */
  #settle(): void {
    this.#report()
    clearTimeout(this.#timer)
    const due = this.#running
      .map((m) => m.nextDeadline())
      .filter((d): d is number => d !== undefined)
    if (due.length === 0 || this.#stopped) {
      return
    }
    const next = Math.min(...due)
    this.#timer = setTimeout(
      () => {
        const at = this.#clock(Math.max(this.#now(), next))
        for (const m of this.#running) {
          m.advance(at)
        }
        this.#settle()
      },
      Math.max(0, next - this.#now())
    )
  }

  #report(): void {
    for (const m of this.#running) {
      if (m.verdict && !this.#reported.has(m)) {
        this.#reported.add(m)
        this.#options.emit({
          type: 'monitor.ended',
          monitor: m.name,
          verdict: m.verdict.verdict,
          reason: m.verdict.reason,
          state: m.state,
          transition: m.verdict.transition,
        })
      }
    }
  }
}

/** The feed of an experiment's YAML monitors (`spec.monitors`), or none. */
export function yamlMonitorFeed(
  experiment: Experiment,
  options: Pick<MonitorFeedOptions, 'emit' | 'check' | 'now'>
): MonitorFeed | undefined {
  const specs = experiment.monitors ?? []
  const code = experiment.codeMonitors ?? []
  if (specs.length === 0 && code.length === 0) {
    return undefined
  }
  const probes = [...walkSteps(experiment.root)].flatMap((s) => s.probes)
  const byName = new Map(probes.map((p) => [p.name, p]))
  return new MonitorFeed({
    ...options,
    monitors: [...specs.map(compileMonitor), ...code],
    probeNames: new Map(probes.map((p) => [p.id, p.name])),
    polls: specs.flatMap((m) =>
      m.poll.flatMap((p) => {
        const probe = byName.get(p.probe)
        return probe ? [{ probe, everyMs: p.everyMs }] : []
      })
    ),
  })
}

/** For `run.started`: each YAML monitor's states. */
export function plannedMonitors(experiment: Experiment): PlannedMonitor[] | undefined {
  const specs = experiment.monitors ?? []
  const code = experiment.codeMonitors ?? []
  return specs.length === 0 && code.length === 0
    ? undefined
    : [
        ...specs.map((m) => ({ name: m.name, initial: m.initial, states: Object.keys(m.states) })),
        ...code.map((m) => ({ name: m.name, initial: m.initial ?? '', states: [...m.states] })),
      ]
}
