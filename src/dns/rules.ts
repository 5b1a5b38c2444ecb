/**
 * dns-fault rules inside the run's resolver: which queries a fault answers and how. Each rule
 * counts the queries it faulted, for the one-line summary in the journal at revert.
 * @module
 */
import { anyMatches } from './glob.js'

export type FaultAnswer = 'nxdomain' | 'servfail' | 'timeout' | 'address'

export interface DnsRuleSpec {
  /** Names of the hosts whose lookups are faulted; undefined: every host's. */
  hosts?: readonly string[]
  /** Glob patterns (glob.ts). */
  names: readonly string[]
  answer: FaultAnswer
  /** For `address`: the wrong IPv4 address answered. */
  address?: string
  /** 0 < p ≤ 1, drawn per query. */
  probability: number
  /** Uniform in [0, 1); injected so tests can decide each draw. */
  random?: () => number
}

/** What the resolver does with one query a rule took. */
export type Verdict =
  { answer: 'nxdomain' | 'servfail' | 'timeout' } | { answer: 'address'; address: string }

export class DnsRule {
  readonly spec: DnsRuleSpec
  #faulted = 0
  readonly #random: () => number
  readonly #hosts: ReadonlySet<string> | undefined

  constructor(spec: DnsRuleSpec) {
    if (spec.answer === 'address' && spec.address === undefined) {
      throw new Error("answer 'address' needs an address")
    }
    this.spec = spec
    this.#random = spec.random ?? Math.random
    this.#hosts = spec.hosts ? new Set(spec.hosts) : undefined
  }

  /** Queries this rule answered so far. */
  get faulted(): number {
    return this.#faulted
  }

  /**
   * The verdict for `name` asked by host `asker` (undefined: not one of the run's hosts), or
   * undefined when the rule leaves the query alone (no match, or the draw said no).
   */
  decide(name: string, asker: string | undefined): Verdict | undefined {
    if (this.#hosts && (asker === undefined || !this.#hosts.has(asker))) {
      return undefined
    }
    if (!anyMatches(this.spec.names, name)) {
      return undefined
    }
    // `< p` with p = 1 always holds for a draw in [0, 1).
    if (this.#random() >= this.spec.probability) {
      return undefined
    }
    this.#faulted++
    return this.spec.answer === 'address'
      ? { answer: 'address', address: this.spec.address! }
      : { answer: this.spec.answer }
  }

  /** `dns-fault answered 37 queries nxdomain`. */
  summary(): string {
    const what =
      this.spec.answer === 'address'
        ? `with the wrong address ${this.spec.address}`
        : this.spec.answer === 'timeout'
          ? 'with silence (timeout)'
          : this.spec.answer
    return `dns-fault answered ${this.#faulted} ${this.#faulted === 1 ? 'query' : 'queries'} ${what}`
  }
}
