/**
 * Picking pods or nodes among candidates: the same modes and caps as processes
 * (src/faults/select.ts, select-caps.ts), then the run's `maxPodsPerFault` for pods.
 * Candidates are sorted by namespace and name first, so that a given `random` always picks
 * the same objects whatever order the API listed them in (tests, and reproducible runs).
 * @module
 */
import { FaultInjectionError } from '../../faults/contract.js'
import { pick, selectionCount, type SelectionMode } from '../../faults/select.js'
import { capLimit, describeCaps, noTargetReason } from '../../faults/select-caps.js'

export interface SelectionSpec {
  mode?: SelectionMode | undefined
  value?: number | undefined
  maxTargets?: number | undefined
  maxPercent?: number | undefined
}

export interface Named {
  name: string
  namespace?: string
}

export interface PickOptions {
  /** After the noun: `of deployment/orders in shop`, `matching app=orders in shop`, `labelled type=kwok`. */
  subject: string
  /** `pod`/`pods`, `node`/`nodes`. */
  noun: [string, string]
  /** An extra cap on the count (`maxPodsPerFault`), named in the report when it bites. */
  hardCap?: { limit: number; name: string }
  random?: () => number
  report?: (detail: string) => void
}

/**
 * The candidates to act on.
 * @throws FaultInjectionError when there is none, or the caps allow none
 */
export function pickTargets<T extends Named>(
  candidates: T[],
  spec: SelectionSpec,
  options: PickOptions
): T[] {
  const random = options.random ?? Math.random
  const [one, many] = options.noun
  const n = candidates.length
  if (n === 0) {
    throw new FaultInjectionError(`no ${many} ${options.subject}`)
  }
  const sorted = [...candidates].sort(byNamespaceAndName)
  const capped = capLimit(n, spec)
  if (capped < 1) {
    const what = `${n} ${n === 1 ? one : many} ${options.subject}`
    throw new FaultInjectionError(`${noTargetReason(n, spec, what)}; nothing was injected`)
  }
  const mode = spec.mode ?? 'one'
  const wanted = Math.min(selectionCount(n, mode, spec.value, random), capped)
  const hard = options.hardCap
  const count = hard === undefined ? wanted : Math.min(wanted, hard.limit)
  const picked = pick(sorted, count, random)
  options.report?.(describePicked(picked, n, spec, options, count < wanted))
  return picked
}

/** `picked 2 of 5 pods of deployment/orders in shop (mode fixed 2): orders-abc, orders-def`. */
function describePicked<T extends Named>(
  picked: T[],
  n: number,
  spec: SelectionSpec,
  options: PickOptions,
  clamped: boolean
): string {
  const mode = spec.mode ?? 'one'
  const value = spec.value === undefined || mode === 'one' || mode === 'all' ? '' : ` ${spec.value}`
  const percent = mode === 'fixed-percent' || mode === 'random-max-percent' ? '%' : ''
  const caps = describeCaps(spec)
  const clamp =
    clamped && options.hardCap
      ? `, clamped to ${options.hardCap.name} ${options.hardCap.limit}`
      : ''
  const noun = n === 1 ? options.noun[0] : options.noun[1]
  return (
    `picked ${picked.length} of ${n} ${noun} ${options.subject} ` +
    `(mode ${mode}${value}${percent}${caps ? `, ${caps}` : ''}${clamp}): ` +
    picked.map((t) => t.name).join(', ')
  )
}

function byNamespaceAndName(a: Named, b: Named): number {
  const ka = `${a.namespace ?? ''}/${a.name}`
  const kb = `${b.namespace ?? ''}/${b.name}`
  return ka < kb ? -1 : ka > kb ? 1 : 0
}
