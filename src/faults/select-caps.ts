/**
 * Blast-radius caps on a target selector (`maxTargets`, `maxPercent`). The mode says how many
 * targets to pick; the caps say how many the experiment may touch at most, and win.
 *
 * - `maxTargets: k` allows at most k targets.
 * - `maxPercent: p` allows at most `floor(n × p / 100)` of the n candidates. Unlike the
 *   percentage *modes*, which round up so that any percentage picks someone, a cap rounds DOWN:
 *   it is a promise ("never more than half the fleet") and 2 of 3 replicas breaks "50%".
 *   So a cap can allow 0 targets (maxPercent 20 of 3 replicas). Then the fault fails to inject
 *   with an error naming the cap, rather than quietly hitting 1 (33%) or nothing at all.
 *
 * At run time a mode that picks more than the caps allow is clamped (an attach `match` can find
 * any number of processes). When the manifest alone shows the mode and its caps contradict each
 * other (mode all on 3 replicas, maxPercent 50), {@link capConflict} reports it at validation.
 * @module
 */
import type { TargetSelectorInput } from '../experiment/schema-parts.js'

export interface SelectionCaps {
  maxTargets?: number | undefined
  maxPercent?: number | undefined
}

/** The most targets the caps allow among `n` candidates; Infinity when there is no cap. */
export function capLimit(n: number, caps: SelectionCaps): number {
  let limit = Infinity
  if (caps.maxTargets !== undefined) {
    limit = Math.min(limit, Math.floor(caps.maxTargets))
  }
  if (caps.maxPercent !== undefined) {
    limit = Math.min(limit, percentCap(n, caps.maxPercent))
  }
  return Math.max(0, limit)
}

/**
 * Why the caps allow no target, for error messages.
 * @param what the candidates, counted: `3 running targets of service 'api'`
 */
export function noTargetReason(n: number, caps: SelectionCaps, what: string): string {
  if (caps.maxTargets !== undefined && Math.floor(caps.maxTargets) < 1) {
    return `maxTargets ${caps.maxTargets} allows no target`
  }
  return `maxPercent ${caps.maxPercent} allows no target: ${caps.maxPercent}% of the ${what} rounds down to 0`
}

/** `maxTargets 2, maxPercent 50`, or '' without caps. */
export function describeCaps(caps: SelectionCaps): string {
  const parts: string[] = []
  if (caps.maxTargets !== undefined) {
    parts.push(`maxTargets ${caps.maxTargets}`)
  }
  if (caps.maxPercent !== undefined) {
    parts.push(`maxPercent ${caps.maxPercent}`)
  }
  return parts.join(', ')
}

/**
 * A contradiction between a selector's mode and its caps that the manifest alone shows, or
 * undefined. `candidates` is the replica count of a launched service; undefined for attach
 * targets, whose number of processes is only known at run time.
 */
export function capConflict(
  selector: TargetSelectorInput,
  candidates: number | undefined
): string | undefined {
  const { mode = 'one', value, maxTargets } = selector
  if (mode === 'fixed' && value !== undefined && maxTargets !== undefined) {
    if (Math.floor(value) > maxTargets) {
      return `mode fixed value ${value} exceeds maxTargets ${maxTargets}`
    }
  }
  if (candidates === undefined || candidates < 1) {
    return undefined
  }
  const n = candidates
  const what = `${n} ${n === 1 ? 'replica' : 'replicas'} of ${selectorName(selector)}`
  const limit = capLimit(n, selector)
  if (limit < 1) {
    return noTargetReason(n, selector, what)
  }
  const count = deterministicCount(n, mode, value)
  if (count === undefined || count <= limit) {
    return undefined
  }
  const withValue = mode === 'fixed' || mode === 'fixed-percent' ? ` value ${value}` : ''
  const picks = `mode ${mode}${withValue} picks ${count} of the ${what}`
  if (maxTargets !== undefined && count > maxTargets) {
    return `${picks}, more than maxTargets ${maxTargets}`
  }
  return `${picks}, more than maxPercent ${selector.maxPercent} allows (${limit}: ${selector.maxPercent}% of ${n}, rounded down)`
}

/** How many a mode picks when that does not depend on chance; undefined when it does. */
function deterministicCount(
  n: number,
  mode: string,
  value: number | undefined
): number | undefined {
  switch (mode) {
    case 'one':
      return 1
    case 'all':
      return n
    case 'fixed':
      return value !== undefined && value >= 1 ? Math.min(Math.floor(value), n) : undefined
    case 'fixed-percent':
      return value !== undefined && value > 0 && value <= 100
        ? Math.min(n, Math.ceil((n * value) / 100 - 1e-9))
        : undefined
    default:
      return undefined // random-max-percent draws its count; the run clamps the draw
  }
}

function percentCap(n: number, percent: number): number {
  // The epsilon keeps 3 × 33.3333…% from rounding down to 0 through float error.
  return Math.floor((n * percent) / 100 + 1e-9)
}

function selectorName(selector: TargetSelectorInput): string {
  return selector.service !== undefined
    ? `service '${selector.service}'`
    : `attached process '${selector.attach}'`
}
