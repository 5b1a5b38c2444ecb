/**
 * Composition of monitors: `all` (accepts when every part accepted, fails at the first part that
 * fails), `any` (accepts at the first part that accepts, fails when every part failed) and
 * `sequence` (each part starts when the one before accepted; fails when one fails). Parts see
 * the same observations; a composite's failure carries the part's failing transition.
 * @module
 */
import type {
  MonitorDef,
  MonitorInstance,
  MonitorVerdict,
  StartOptions,
  TransitionRecord,
} from './contract.js'

type Kind = 'all' | 'any' | 'sequence'
type Args<O> = [string, ...MonitorDef<O>[]] | MonitorDef<O>[]

/** `all(a, b)` or `all('cluster-ok', a, b)`. */
export function all<O>(...args: Args<O>): MonitorDef<O> {
  return composite('all', args)
}

/** `any(a, b)` or `any('one-side-wins', a, b)`. */
export function any<O>(...args: Args<O>): MonitorDef<O> {
  return composite('any', args)
}

/** `sequence(a, b)`: b starts (its timeouts too) when a accepted. */
export function sequence<O>(...args: Args<O>): MonitorDef<O> {
  return composite('sequence', args)
}

function composite<O>(kind: Kind, args: Args<O>): MonitorDef<O> {
  const named = typeof args[0] === 'string'
  const parts = (named ? args.slice(1) : args) as MonitorDef<O>[]
  if (parts.length === 0) {
    throw new Error(`${kind}() needs at least one monitor`)
  }
  const names = parts.map((p) => p.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined) {
    // Records name parts by name: two parts with one name could not be told apart.
    throw new Error(`${kind}(): two parts are named '${twice}'`)
  }
  const name = named ? (args[0] as string) : `${kind}(${names.join(', ')})`
  return {
    name,
    states: names,
    start: (at, options = {}) => new Composite(kind, name, parts, at, options),
  }
}

class Composite<O> implements MonitorInstance<O> {
  readonly name: string
  readonly transitions: TransitionRecord[] = []
  #verdict: MonitorVerdict | undefined
  readonly #kind: Kind
  readonly #parts: MonitorDef<O>[]
  readonly #running: MonitorInstance<O>[] = []
  readonly #label: string
  readonly #options: StartOptions

  constructor(kind: Kind, name: string, parts: MonitorDef<O>[], at: number, options: StartOptions) {
    this.name = name
    this.#kind = kind
    this.#parts = parts
    this.#options = options
    this.#label = options.prefix === undefined ? name : `${options.prefix}/${name}`
    for (const part of kind === 'sequence' ? parts.slice(0, 1) : parts) {
      this.#startPart(part, at)
    }
  }

  get state(): string {
    const shown = this.#kind === 'sequence' ? this.#running.slice(-1) : this.#running
    return shown.map((p) => `${p.name}=${p.verdict?.verdict ?? p.state}`).join(' ')
  }

  get verdict(): MonitorVerdict | undefined {
    return this.#verdict
  }

  nextDeadline(): number | undefined {
    if (this.#verdict) {
      return undefined
    }
    const due = this.#active()
      .map((p) => p.nextDeadline())
      .filter((d): d is number => d !== undefined)
    return due.length === 0 ? undefined : Math.min(...due)
  }

  observe(observation: O, at: number): void {
    this.advance(at)
    for (const part of this.#active()) {
      if (this.#verdict) {
        return
      }
      part.observe(observation, at)
      this.#judge(at)
    }
  }

  advance(at: number): void {
    // Deadline by deadline, so that the earliest part to stop decides (and a sequence's next
    // part starts its timeouts when the one before accepted, not when the clock was read).
    for (;;) {
      const due = this.nextDeadline()
      if (due === undefined || due > at) {
        return
      }
      for (const part of this.#active()) {
        part.advance(due)
        this.#judge(due)
        if (this.#verdict) {
          return
        }
      }
    }
  }

  finish(at: number): void {
    this.advance(at)
    while (!this.#verdict) {
      const part = this.#active()[0]
      if (!part) {
        return
      }
      part.finish(at)
      this.#judge(at)
    }
  }

  #active(): MonitorInstance<O>[] {
    return this.#running.filter((p) => !p.verdict)
  }

  #startPart(part: MonitorDef<O>, at: number): void {
    this.#running.push(
      part.start(at, {
        prefix: this.#label,
        onTransition: (record) => this.#record(record),
      })
    )
  }

  /** Decides the composite from its parts' verdicts, right after one may have changed. */
  #judge(at: number): void {
    const verdicts = this.#running.map((p) => p.verdict)
    const failed = this.#running.find((p) => p.verdict?.verdict === 'fail')
    const accepted = this.#running.find((p) => p.verdict?.verdict === 'accept')
    const allStarted = this.#running.length === this.#parts.length
    const allDone = allStarted && verdicts.every(Boolean)
    switch (this.#kind) {
      case 'all':
        if (failed) {
          this.#stop('fail', `${failed.name}: ${failed.verdict!.reason}`, failed.verdict!)
        } else if (allDone) {
          this.#stop('accept', 'every part accepted', this.#latest())
        }
        return
      case 'any':
        if (accepted) {
          this.#stop('accept', `${accepted.name}: ${accepted.verdict!.reason}`, accepted.verdict!)
        } else if (allDone) {
          const reasons = this.#running.map((p) => `${p.name}: ${p.verdict!.reason}`)
          this.#stop('fail', `every part failed (${reasons.join('; ')})`, this.#latest())
        }
        return
      case 'sequence': {
        const current = this.#running[this.#running.length - 1]!
        if (current.verdict?.verdict === 'fail') {
          this.#stop('fail', `${current.name}: ${current.verdict.reason}`, current.verdict)
        } else if (current.verdict?.verdict === 'accept') {
          const next = this.#parts[this.#running.length]
          if (next) {
            this.#startPart(next, Math.min(at, current.verdict.at))
          } else {
            this.#stop('accept', 'every part accepted in turn', current.verdict)
          }
        }
        return
      }
    }
  }

  #latest(): MonitorVerdict {
    return this.#running.map((p) => p.verdict!).reduce((a, b) => (b.at >= a.at ? b : a))
  }

  #stop(verdict: 'accept' | 'fail', reason: string, because: MonitorVerdict): void {
    const record: TransitionRecord = {
      monitor: this.#label,
      from: 'running',
      to: verdict,
      trigger: because.transition.trigger,
      at: because.at,
      ...(because.transition.observation === undefined
        ? {}
        : { observation: because.transition.observation }),
      rule: because.transition.monitor,
      reason,
    }
    // The part's transition is what failed: that is what a report names.
    this.#verdict = { verdict, reason, at: because.at, transition: because.transition }
    this.#record(record)
  }

  #record(record: TransitionRecord): void {
    this.transitions.push(record)
    this.#options.onTransition?.(record)
  }
}
