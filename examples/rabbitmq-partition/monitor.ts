/**
 * The seed's `inCluster` monitor, rewritten for RabbitMQ in ordeal's TypeScript form: the same
 * machine as `spec.monitors` in experiment.yaml (monitor.test.ts checks they agree on every
 * sequence of observations), with the observations parsed into typed values first.
 *
 * What it sees (observation names): `membership` and `writes` (the lines of observe.mjs),
 * `cluster-healed` and `acked-present` (the last steps' probes), `fault.reverted` (the heal).
 * @module
 */
import { accept, fail, goto, monitor, when, type MonitorDef, type Observation } from 'ordeal'

/** `membership`: `one` / `split` / `degraded` / `none`, then each node's view. */
export type MembershipWord = 'one' | 'split' | 'degraded' | 'none'
/** `writes`: which sides had a write confirmed in the last second. */
export type WritesWord = 'both' | 'left' | 'right' | 'none'

export type ClusterObservation =
  | { kind: 'membership'; word: MembershipWord; views: string }
  | { kind: 'writes'; word: WritesWord }
  | { kind: 'healed'; passed: boolean }
  | { kind: 'acked-present'; passed: boolean; line: string }
  | { kind: 'fault-reverted' }
  | { kind: 'other' }

/** A run's observation, typed: the words observe.mjs prints, the probes' pass/fail. */
export function parse(o: Observation): ClusterObservation {
  if (o.kind === 'event') {
    return o.name === 'fault.reverted' ? { kind: 'fault-reverted' } : { kind: 'other' }
  }
  if (o.kind !== 'probe') {
    return { kind: 'other' }
  }
  const line = String(o.value ?? '')
  const word = line.split(' ', 1)[0] ?? ''
  switch (o.name) {
    case 'membership':
      return isOneOf(word, ['one', 'split', 'degraded', 'none'] as const)
        ? { kind: 'membership', word, views: line.slice(word.length + 1) }
        : { kind: 'other' }
    case 'writes':
      return isOneOf(word, ['both', 'left', 'right', 'none'] as const)
        ? { kind: 'writes', word }
        : { kind: 'other' }
    case 'cluster-healed':
      return { kind: 'healed', passed: o.passed }
    case 'acked-present':
      return { kind: 'acked-present', passed: o.passed, line }
    default:
      return { kind: 'other' }
  }
}

function isOneOf<T extends string>(word: string, words: readonly T[]): word is T {
  return (words as readonly string[]).includes(word)
}

type State = 'forming' | 'joined' | 'split' | 'minority-down' | 'healing' | 'healed'
type O = ClusterObservation

const membership = (word: MembershipWord) => (o: O) => o.kind === 'membership' && o.word === word
const bothWrite = (o: O) => o.kind === 'writes' && o.word === 'both'
const healed = (o: O) => o.kind === 'healed' && o.passed
const reverted = (o: O) => o.kind === 'fault-reverted'
const present = (passed: boolean) => (o: O) => o.kind === 'acked-present' && o.passed === passed
const lost = when(present(false), fail('acknowledged messages were lost'))

/**
 * @param splitAtMost the T of "two nodes report different memberships for longer than T"
 * @param healWithin how long after the heal the cluster has to be one membership again
 */
export function oneCluster(
  options: { splitAtMost?: string; healWithin?: string } = {}
): MonitorDef<Observation> {
  const splitAtMost = options.splitAtMost ?? '8s'
  const healWithin = options.healWithin ?? '30s'
  const machine = monitor<State, O>(
    'one-cluster',
    'forming',
    {
      // The seed's `case false`: wait until the cluster has formed.
      forming: { within: '120s', on: [when(membership('one'), goto('joined'))] },
      // The seed's `case true`, for a partition we cause: a split is allowed for T at most, a
      // lost minority is not a split, the heal starts the clock for one membership again.
      joined: [
        when(membership('split'), goto('split', splitAtMost)),
        when(membership('degraded'), goto('minority-down')),
        when(reverted, goto('healing', healWithin)),
        lost,
      ],
      split: [
        when(
          bothWrite,
          fail(
            'split brain: both sides confirmed writes to queue orders while the nodes disagreed on the membership'
          )
        ),
        when(membership('degraded'), goto('minority-down')),
        when(membership('one'), goto('joined')),
        lost,
      ],
      'minority-down': [
        when(membership('split'), goto('split', splitAtMost)),
        when(membership('one'), goto('joined')),
        when(reverted, goto('healing', healWithin)),
        lost,
      ],
      // Both sides writing is normal again once c is back: only the time to one membership is
      // judged here (a partition that stays is this state's timeout).
      healing: [when(membership('one'), goto('healed')), when(healed, goto('healed')), lost],
      healed: [when(present(true), accept('one membership, nothing acknowledged lost')), lost],
    },
    { describe: describeTyped }
  )
  return mapObservations(machine, parse)
}

function describeTyped(o: O): string {
  switch (o.kind) {
    case 'membership':
      return `membership = ${o.word} ${o.views}`
    case 'writes':
      return `writes = ${o.word}`
    case 'healed':
      return `cluster-healed ${o.passed ? 'passed' : 'failed'}`
    case 'acked-present':
      return `acked-present ${o.passed ? 'passed' : 'failed'}: ${o.line}`
    default:
      return o.kind
  }
}

/** The machine over typed observations, fed the run's raw ones. */
function mapObservations<A, B>(def: MonitorDef<B>, f: (a: A) => B): MonitorDef<A> {
  return {
    name: def.name,
    states: def.states,
    start(at, options) {
      const inner = def.start(at, options)
      return {
        name: inner.name,
        get state() {
          return inner.state
        },
        get verdict() {
          return inner.verdict
        },
        get transitions() {
          return inner.transitions
        },
        observe: (o, t) => inner.observe(f(o), t),
        advance: (t) => inner.advance(t),
        finish: (t) => inner.finish(t),
        nextDeadline: () => inner.nextDeadline(),
      }
    },
  }
}
