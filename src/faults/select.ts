/**
 * Target selection modes, as in Chaos Mesh (`pkg/selector/generic/mode.go`) and Litmus:
 *
 * | mode | picks |
 * |---|---|
 * | `one` | one random candidate |
 * | `all` | every candidate |
 * | `fixed` | `min(value, n)` distinct random candidates (`value` is a whole count, at least 1) |
 * | `fixed-percent` | `ceil(n × value / 100)` distinct random candidates |
 * | `random-max-percent` | a random whole percentage p in [0, value], then `max(1, ceil(n × p / 100))` |
 *
 * Rounding follows current Chaos Mesh, which rounds up so that any percentage above 0 picks
 * at least one candidate (older releases used floor and could pick none). For
 * `random-max-percent` Chaos Mesh can still pick none when it draws p = 0; ordeal picks at
 * least one, because a fault that silently touches nothing makes a passing run meaningless.
 *
 * The blast-radius caps `maxTargets` and `maxPercent` (see `select-caps.ts`) then bound what
 * any mode picked; {@link selectTargetsFor} applies them, so every driver gets them.
 * @module
 */
import type { SELECTION_MODES, TargetSelectorInput } from '../experiment/schema-parts.js'
import type { ProcessTarget } from '../platforms/local/targets.js'
import { FaultInjectionError } from './contract.js'
import { capLimit, describeCaps, noTargetReason } from './select-caps.js'

export type SelectionMode = (typeof SELECTION_MODES)[number]

/**
 * Picks targets among `candidates` according to `mode` and `value`.
 * @param random source of randomness in [0, 1); injectable for tests
 * @returns the picked targets, in candidate order
 * @throws FaultInjectionError when there is no candidate, or `value` is missing or unusable
 */
export function selectTargets<T = ProcessTarget>(
  candidates: T[],
  mode: SelectionMode = 'one',
  value?: number,
  random: () => number = Math.random
): T[] {
  if (candidates.length === 0) {
    throw new FaultInjectionError(`no running targets for selection mode ${mode}`)
  }
  return pick(candidates, selectionCount(candidates.length, mode, value, random), random)
}

/**
 * {@link selectTargets} for a manifest selector, with errors that name the service, bounded by
 * the selector's caps: never more than `maxTargets`, never more than `maxPercent` of the
 * candidates (rounded down).
 * @throws FaultInjectionError also when the caps allow no target at all
 */
export function selectTargetsFor(
  selector: TargetSelectorInput,
  candidates: ProcessTarget[],
  random: () => number = Math.random
): ProcessTarget[] {
  const n = candidates.length
  if (n === 0) {
    throw new FaultInjectionError(`no running targets for ${selectorSubject(selector)}`)
  }
  const limit = capLimit(n, selector)
  if (limit < 1) {
    const what = `${n} running ${n === 1 ? 'target' : 'targets'} of ${selectorSubject(selector)}`
    throw new FaultInjectionError(`${noTargetReason(n, selector, what)}; nothing was injected`)
  }
  const count = selectionCount(n, selector.mode ?? 'one', selector.value, random)
  return pick(candidates, Math.min(count, limit), random)
}

/** How many of `n` candidates a mode picks. */
export function selectionCount(
  n: number,
  mode: SelectionMode,
  value: number | undefined,
  random: () => number = Math.random
): number {
  switch (mode) {
    case 'one':
      return Math.min(1, n)
    case 'all':
      return n
    case 'fixed': {
      const count = Math.floor(requireValue(mode, value))
      if (count < 1) {
        throw new FaultInjectionError(`mode fixed needs a value of at least 1, got ${value}`)
      }
      return Math.min(count, n)
    }
    case 'fixed-percent':
      return percentOf(n, requirePercent(mode, value))
    case 'random-max-percent': {
      const max = Math.floor(requirePercent(mode, value))
      // [0, max] inclusive, like Chaos Mesh's rand.Int(max + 1).
      const percent = Math.min(max, Math.floor(random() * (max + 1)))
      return Math.max(1, percentOf(n, percent))
    }
  }
}

/** `service 'api'` or `attached process 'legacy'`. */
export function selectorSubject(selector: TargetSelectorInput): string {
  return selector.service !== undefined
    ? `service '${selector.service}'`
    : `attached process '${selector.attach}'`
}

/**
 * For dry runs: `1 of the replicas of service 'api' (mode one)`, with the caps when set:
 * `all the replicas of service 'api' (mode all, maxTargets 2, maxPercent 50)`. An attach
 * selector says its mode the same way, since a `match` or `port` may find several processes:
 * `1 of the processes matching attach 'workers' (mode one)`.
 */
export function describeSelector(selector: TargetSelectorInput): string {
  const caps = describeCaps(selector)
  const of =
    selector.service !== undefined
      ? `the replicas of ${selectorSubject(selector)}`
      : `the processes matching attach '${selector.attach}'`
  const mode = selector.mode ?? 'one'
  const how = `(mode ${mode}${caps ? `, ${caps}` : ''})`
  switch (mode) {
    case 'one':
      return `1 of ${of} ${how}`
    case 'all':
      return `all ${of} ${how}`
    case 'fixed':
      return `${selector.value} of ${of} ${how}`
    case 'fixed-percent':
      return `${selector.value}% of ${of} ${how}`
    case 'random-max-percent':
      return `up to ${selector.value}% of ${of} ${how}`
  }
}

/**
 * For the run's output, when an attach selector found its processes: which it picked out of
 * how many, so that `mode: one` among several never hits one of them silently:
 * `picked pid 4242 (1 of 3 processes matching attach 'workers', mode one)`.
 */
export function describePick(
  selector: TargetSelectorInput,
  picked: ProcessTarget[],
  found: number
): string {
  const pids = picked.map((t) => t.pid).join(', ')
  const processes = found === 1 ? 'process' : 'processes'
  return (
    `picked ${picked.length === 1 ? 'pid' : 'pids'} ${pids} (${picked.length} of ${found} ` +
    `${processes} matching attach '${selector.attach}', mode ${selector.mode ?? 'one'})`
  )
}

function percentOf(n: number, percent: number): number {
  // The epsilon keeps 3 × 33.3333…% from rounding up to 2 through float error.
  return Math.min(n, Math.ceil((n * percent) / 100 - 1e-9))
}

function requireValue(mode: SelectionMode, value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new FaultInjectionError(`mode ${mode} needs a positive value, got ${value}`)
  }
  return value
}

function requirePercent(mode: SelectionMode, value: number | undefined): number {
  const percent = requireValue(mode, value)
  if (percent > 100) {
    throw new FaultInjectionError(`mode ${mode} needs a percentage (1-100), got ${value}`)
  }
  return percent
}

/**
 * `count` distinct random candidates (partial Fisher-Yates), returned in candidate order.
 * Generic: Kubernetes pods and nodes are picked the same way as processes.
 */
export function pick<T>(candidates: T[], count: number, random: () => number): T[] {
  const indexes = candidates.map((_, i) => i)
  for (let i = 0; i < count; i++) {
    const j = i + Math.min(indexes.length - i - 1, Math.floor(random() * (indexes.length - i)))
    ;[indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!]
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => candidates[i]!)
}
