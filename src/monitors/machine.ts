/**
 * `monitor(name, initial, transitions)`: a state machine over observations (the seed's
 * `Monitor(false) { case false => { case Observe(...) if ... => Goto(true, 3.seconds) } ... }`).
 * Each state maps an observation to a decision, through a function or guarded cases; a state
 * entered with a timeout fires its `timeout` rule when nothing leaves it in time.
 * @module
 */
import type {
  MonitorDef,
  MonitorInstance,
  MonitorVerdict,
  StartOptions,
  TransitionRecord,
  Trigger,
} from './contract.js'
import { toMs, type Decision } from './decision.js'

/** A state's transition as a function: `undefined` (or `stay()`) keeps the state. */
export type Handler<S extends string, O> = (observation: O) => Decision<S> | undefined | void

/** A guarded case: the first case of a state whose guard holds decides. */
export interface Case<S extends string, O> {
  guard: (observation: O) => boolean
  decide: Decision<S> | ((observation: O) => Decision<S>)
  /** Named in the transition record (default `when[i]`). */
  label?: string
}

/** `when(o => o.passed === false, goto('down', '5s'), 'api fails')` */
export function when<S extends string, O>(
  guard: (observation: O) => boolean,
  decide: Decision<S> | ((observation: O) => Decision<S>),
  label?: string
): Case<S, O> {
  return label === undefined ? { guard, decide } : { guard, decide, label }
}

export interface StateSpec<S extends string, O> {
  on?: Handler<S, O> | readonly Case<S, O>[]
  /**
   * What happens when the state's timeout expires (the seed's `StateTimeout =>`), and at the end
   * of the steps. Without one, an expired timeout fails the monitor ("did not leave in time").
   */
  timeout?: Decision<S> | (() => Decision<S>)
  /** The timeout given to this state when it is entered without one (and as the initial state). */
  within?: string | number
  /** Ending the steps in this state (with no `timeout` rule) accepts; any other state fails. */
  accepting?: boolean
}

export type StateEntry<S extends string, O> =
  Handler<S, O> | readonly Case<S, O>[] | StateSpec<S, O>

export type Transitions<S extends string, O> = { readonly [K in S]: StateEntry<S, O> }

export interface MonitorOptions<O> {
  /** One line per observation in transition records. @default JSON, cut at 200 characters */
  describe?: (observation: O) => string
  /** Which observations it sees; the others only move its clock. @default all */
  sees?: (observation: O) => boolean
}

/** A timeout loop (a → b → a, each a timeout) stops here rather than spinning. */
const kMaxTimeoutsPerAdvance = 10_000

export function monitor<S extends string, O>(
  name: string,
  initial: NoInfer<S>,
  transitions: Transitions<S, O>,
  options: MonitorOptions<O> = {}
): MonitorDef<O> {
  const states = Object.keys(transitions) as S[]
  if (!states.includes(initial)) {
    throw new Error(`monitor ${name}: initial state '${initial}' is not one of its states`)
  }
  const specs = new Map<string, StateSpec<S, O>>(
    states.map((s) => [s, normalise(transitions[s])] as const)
  )
  // Checked now, not when first used: a typo in a state's `within` fails the definition.
  for (const [state, spec] of specs) {
    if (spec.within !== undefined) {
      try {
        toMs(spec.within)
      } catch (error) {
        throw new Error(`monitor ${name}, state '${state}': ${(error as Error).message}`)
      }
    }
  }
  const describe = options.describe ?? describeJson
  return {
    name,
    states,
    initial,
    start: (at, startOptions = {}) =>
      new Machine(name, initial, specs, describe, options.sees, at, startOptions),
  }
}

function normalise<S extends string, O>(entry: StateEntry<S, O>): StateSpec<S, O> {
  if (typeof entry === 'function' || Array.isArray(entry)) {
    return { on: entry as StateSpec<S, O>['on'] }
  }
  return entry as StateSpec<S, O>
}

class Machine<S extends string, O> implements MonitorInstance<O> {
  readonly name: string
  readonly transitions: TransitionRecord[] = []
  #state: S
  #deadline: number | undefined
  #timeoutMs: number | undefined
  #verdict: MonitorVerdict | undefined
  readonly #specs: Map<string, StateSpec<S, O>>
  readonly #describe: (o: O) => string
  readonly #sees: ((o: O) => boolean) | undefined
  readonly #onTransition: ((r: TransitionRecord) => void) | undefined
  readonly #label: string

  constructor(
    name: string,
    initial: S,
    specs: Map<string, StateSpec<S, O>>,
    describe: (o: O) => string,
    sees: ((o: O) => boolean) | undefined,
    at: number,
    options: StartOptions
  ) {
    this.name = name
    this.#label = options.prefix === undefined ? name : `${options.prefix}/${name}`
    this.#specs = specs
    this.#describe = describe
    this.#sees = sees
    this.#onTransition = options.onTransition
    this.#state = initial
    this.#arm(initial, undefined, at)
  }

  get state(): string {
    return this.#state
  }

  get verdict(): MonitorVerdict | undefined {
    return this.#verdict
  }

  nextDeadline(): number | undefined {
    return this.#verdict ? undefined : this.#deadline
  }

  observe(observation: O, at: number): void {
    this.advance(at)
    if (this.#verdict || (this.#sees && !this.#sees(observation))) {
      return
    }
    const on = this.#specs.get(this.#state)?.on
    let decision: Decision<S> | undefined
    let rule: string | undefined
    let text: string
    try {
      text = this.#describe(observation)
    } catch {
      text = '(observation that could not be described)'
    }
    try {
      if (typeof on === 'function') {
        decision = (on(observation) as Decision<S> | undefined) ?? undefined
      } else if (on) {
        for (const [i, c] of on.entries()) {
          if (c.guard(observation)) {
            decision = typeof c.decide === 'function' ? c.decide(observation) : c.decide
            rule = c.label ?? `when[${i}]`
            break
          }
        }
      }
    } catch (error) {
      // A transition that throws is a monitor that cannot judge: it fails, saying so.
      decision = {
        kind: 'fail',
        reason: `transition of state '${this.#state}' threw: ${messageOf(error)}`,
      }
    }
    if (decision && decision.kind !== 'stay') {
      this.#apply(decision, 'observation', at, { observation: text, ...(rule ? { rule } : {}) })
    }
  }

  advance(at: number): void {
    for (let i = 0; i < kMaxTimeoutsPerAdvance; i++) {
      if (this.#verdict || this.#deadline === undefined || this.#deadline > at) {
        return
      }
      // Fired at its own deadline, not when the clock was read: the record says when it was due.
      this.#fireTimeout(this.#deadline, 'timeout')
    }
    this.#stop(
      {
        kind: 'fail',
        reason: `more than ${kMaxTimeoutsPerAdvance} timeouts in a row: a timeout loop`,
      },
      'timeout',
      at,
      {}
    )
  }

  finish(at: number): void {
    this.advance(at)
    // A `timeout: <state>` chain ends in a verdict or a state without a rule; a cycle fails.
    const seen = new Set<string>()
    while (!this.#verdict) {
      if (seen.has(this.#state)) {
        this.#stop(
          {
            kind: 'fail',
            reason: `the timeout rules of state '${this.#state}' loop at the end of the steps`,
          },
          'end',
          at,
          {}
        )
        return
      }
      seen.add(this.#state)
      const spec = this.#specs.get(this.#state)
      if (spec?.timeout !== undefined) {
        this.#fireTimeout(at, 'end')
      } else if (spec?.accepting) {
        this.#stop(
          { kind: 'accept', reason: `ended in accepting state '${this.#state}'` },
          'end',
          at,
          {}
        )
      } else {
        this.#stop(
          { kind: 'fail', reason: `still in state '${this.#state}' when the steps ended` },
          'end',
          at,
          {}
        )
      }
    }
  }

  #fireTimeout(at: number, trigger: Trigger): void {
    const spec = this.#specs.get(this.#state)
    const rule = spec?.timeout
    let decision: Decision<S>
    try {
      decision =
        rule === undefined
          ? {
              kind: 'fail',
              reason: `no transition left state '${this.#state}' within ${formatMs(this.#timeoutMs ?? 0)}`,
            }
          : typeof rule === 'function'
            ? rule()
            : rule
    } catch (error) {
      decision = {
        kind: 'fail',
        reason: `timeout rule of state '${this.#state}' threw: ${messageOf(error)}`,
      }
    }
    if (decision.kind === 'stay') {
      // Stays, with no timeout left running.
      this.#deadline = undefined
      return
    }
    this.#apply(decision, trigger, at, { rule: 'timeout' })
  }

  #apply(
    decision: Exclude<Decision<S>, { kind: 'stay' }>,
    trigger: Trigger,
    at: number,
    detail: { observation?: string; rule?: string }
  ): void {
    if (decision.kind !== 'goto') {
      this.#stop(decision, trigger, at, detail)
      return
    }
    if (!this.#specs.has(decision.state)) {
      this.#stop(
        { kind: 'fail', reason: `goto an unknown state '${decision.state}'` },
        trigger,
        at,
        detail
      )
      return
    }
    const record: TransitionRecord = {
      monitor: this.#label,
      from: this.#state,
      to: decision.state,
      trigger,
      at,
      ...detail,
    }
    this.#state = decision.state
    this.#arm(decision.state, decision.timeoutMs, at)
    this.#record(record)
  }

  #stop(
    decision: { kind: 'accept'; reason?: string } | { kind: 'fail'; reason: string },
    trigger: Trigger,
    at: number,
    detail: { observation?: string; rule?: string }
  ): void {
    const reason =
      decision.reason ??
      (trigger === 'observation'
        ? `accepted in state '${this.#state}'`
        : `accepted on ${trigger} in state '${this.#state}'`)
    const record: TransitionRecord = {
      monitor: this.#label,
      from: this.#state,
      to: decision.kind,
      trigger,
      at,
      ...detail,
      reason,
    }
    this.#verdict = { verdict: decision.kind, reason, at, transition: record }
    this.#deadline = undefined
    this.#record(record)
  }

  #arm(state: S, timeoutMs: number | undefined, at: number): void {
    const within = this.#specs.get(state)?.within
    const ms = timeoutMs ?? (within === undefined ? undefined : toMs(within))
    this.#timeoutMs = ms
    this.#deadline = ms === undefined ? undefined : at + ms
  }

  #record(record: TransitionRecord): void {
    this.transitions.push(record)
    this.#onTransition?.(record)
  }
}

function describeJson(observation: unknown): string {
  const text = typeof observation === 'string' ? observation : JSON.stringify(observation)
  return text === undefined
    ? String(observation)
    : text.length > 200
      ? `${text.slice(0, 197)}...`
      : text
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** `1.5s`, `300ms`: short, for reasons (no node-only import: the UI may bundle this). */
export function formatMs(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)}ms`
    : `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1))}s`
}
