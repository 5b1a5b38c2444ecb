/**
 * Tolerances as chaoslib's `within_tolerance` judges a probe's output: bool, integer and
 * string by Python equality (an http/process output's `status` for integers), lists as
 * membership (of `status`) or, with two items and a scalar output, an inclusive range, and the
 * typed objects regex, jsonpath, range and probe. Python would raise on some mismatches (a
 * regex over an object, a range over null): those are CtkCrash, the run's error (exit 3).
 * @module
 */
import { jsonPathValues } from './jsonpath.js'
import type { CtkActivity, CtkValues } from './model.js'
import { substitute } from './substitute.js'
import { pythonRegExp } from './py-regex.js'

/** What Python would raise inside `within_tolerance`: chaos crashes, ordeal says so, exit 3. */
export class CtkCrash extends Error {
  override readonly name = 'CtkCrash'
}

/** Runs a probe-type tolerance's activity; resolves its output, rejects with ActivityFailed. */
export type ToleranceProbeRunner = (activity: CtkActivity) => Promise<unknown>

export async function withinTolerance(
  tolerance: unknown,
  value: unknown,
  values: CtkValues,
  runProbe: ToleranceProbeRunner
): Promise<boolean> {
  if (typeof tolerance === 'boolean') {
    return pyEquals(value, tolerance)
  }
  if (typeof tolerance === 'number') {
    if (isObject(value) && 'status' in value) {
      return pyEquals(value['status'], tolerance)
    }
    return pyEquals(value, tolerance)
  }
  if (typeof tolerance === 'string') {
    // The hypothesis runner substituted it already (see toleranceOf in executor.ts).
    return pyEquals(value, tolerance)
  }
  if (Array.isArray(tolerance)) {
    if (isObject(value) && 'status' in value) {
      return tolerance.some((t) => pyEquals(value['status'], t))
    }
    if (tolerance.length === 2) {
      return pyLessEq(tolerance[0], value) && pyLessEq(value, tolerance[1])
    }
    return tolerance.some((t) => pyEquals(value, t))
  }
  if (isObject(tolerance)) {
    switch (tolerance['type']) {
      case 'probe':
        return probeTolerance(tolerance as CtkActivity, value, runProbe)
      case 'regex':
        return regexTolerance(tolerance, value, values)
      case 'jsonpath':
        return jsonPathTolerance(tolerance, value, values)
      case 'range':
        return rangeTolerance(tolerance, value)
    }
  }
  // chaoslib's dispatcher falls through to a function that returns None: not met.
  return false
}

async function probeTolerance(
  tolerance: CtkActivity,
  value: unknown,
  runProbe: ToleranceProbeRunner
): Promise<boolean> {
  const args = tolerance.provider['arguments']
  if (!isObject(args)) {
    throw new CtkCrash(
      `tolerance probe '${tolerance.name}' needs provider.arguments as a mapping to receive the value`
    )
  }
  // chaoslib writes the output into the tolerance itself, so the journal shows it there.
  args['value'] = value
  try {
    return truthy(await runProbe(tolerance))
  } catch (error) {
    if (error instanceof Error && error.name === 'ActivityFailed') {
      return false
    }
    throw error
  }
}

function regexTolerance(
  tolerance: Record<string, unknown>,
  value: unknown,
  values: CtkValues
): boolean {
  const pattern = String(substitute(tolerance['pattern'], values))
  const target = applyTarget(tolerance, value)
  if (typeof target !== 'string') {
    throw new CtkCrash(
      `regex tolerance '${pattern}': the value is not a string (add target: stdout or target: body)`
    )
  }
  return pythonRegExp(pattern).test(target)
}

function jsonPathTolerance(
  tolerance: Record<string, unknown>,
  value: unknown,
  values: CtkValues
): boolean {
  const path = String(substitute(tolerance['path'], values))
  let target = applyTarget(tolerance, value)
  if (typeof target === 'string') {
    try {
      target = JSON.parse(target) as unknown
    } catch {
      // chaoslib keeps a string that is not JSON as it is
    }
  }
  const found = jsonPathValues(path, target)
  let result = found.length > 0
  if (tolerance['count'] !== undefined && tolerance['count'] !== null) {
    result = found.length === tolerance['count']
  }
  if ('expect' in tolerance) {
    const expect = substitute(tolerance['expect'], values)
    result = pyEquals(found, Array.isArray(expect) ? expect : [expect])
  }
  return result
}

function rangeTolerance(tolerance: Record<string, unknown>, value: unknown): boolean {
  const target = applyTarget(tolerance, value)
  let n: number
  if (typeof target === 'number') {
    n = target
  } else if (typeof target === 'boolean') {
    n = target ? 1 : 0
  } else if (typeof target === 'string') {
    const t = target.trim()
    n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN
    if (Number.isNaN(n)) {
      return false
    }
  } else {
    throw new CtkCrash('range tolerance: the value is not a number (add a target)')
  }
  const [lo, hi] = tolerance['range'] as [number, number]
  return lo <= n && n <= hi
}

/** `value.get(target, value)` when a target is given (only an object has keys). */
function applyTarget(tolerance: Record<string, unknown>, value: unknown): unknown {
  const target = tolerance['target']
  if (!target) {
    return value
  }
  if (!isObject(value)) {
    throw new CtkCrash(`tolerance target '${String(target)}': the value is not an object`)
  }
  return String(target) in value ? value[String(target)] : value
}

/** Python's `==` for JSON values: bools are the integers 0 and 1. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    return Number(a) === Number(b)
  }
  if (a === null || b === null || a === undefined || b === undefined) {
    return (a ?? null) === (b ?? null)
  }
  if (typeof a === 'string' || typeof b === 'string') {
    return a === b
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => pyEquals(x, b[i]))
    )
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], b[k]))
  }
  return false
}

/** Python's `a <= b`; mixed types raise TypeError there, a CtkCrash here. */
function pyLessEq(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    return Number(a) <= Number(b)
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return a <= b
  }
  throw new CtkCrash(
    `a two-item list tolerance compares ${JSON.stringify(a)} and ${JSON.stringify(b)}, which Python cannot order`
  )
}

function isNumeric(v: unknown): v is number | boolean {
  return typeof v === 'number' || typeof v === 'boolean'
}

/** Python truthiness. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') {
    return false
  }
  if (Array.isArray(v)) {
    return v.length > 0
  }
  if (isObject(v)) {
    return Object.keys(v).length > 0
  }
  return true
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
