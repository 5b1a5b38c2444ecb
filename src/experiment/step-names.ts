/**
 * Names of steps for people. A step's `name:` from the manifest is used as written; a step
 * without one gets a readable name built from what it does (`process-kill of api`,
 * `wait 5s`, `parallel: process-kill of api + load POST 100/s`), never an internal id such
 * as `run.0.1` or `parallel 0`. Ids stay in the journal for machines; every report, reason
 * and metric label uses these names, so they are unique in a run: a generated name that
 * collides with another step's gets its place in the timeline, `(step 2.1)`.
 * @module
 */
import type { FaultInput, StepInputType } from './schema.js'

/** Longest generated group name before it falls back to `parallel group of N steps`. */
const kMaxGroupName = 60

/**
 * The name of every step under the root, by step id (`run.0`, `run.1.2`, as resolve.ts
 * assigns them). Deterministic: the same manifest always gives the same names.
 */
export function stepNames(steps: readonly StepInputType[]): Map<string, string> {
  const entries: { id: string; name: string; explicit: boolean }[] = []
  const visit = (step: StepInputType, id: string): string => {
    const entry = { id, name: step.name ?? '', explicit: step.name !== undefined }
    entries.push(entry)
    const children = step.parallel ?? step.serial
    const childNames = (children ?? []).map((c, i) => visit(c, `${id}.${i}`))
    if (!entry.explicit) {
      entry.name = generatedName(step, childNames)
    }
    return entry.name
  }
  steps.forEach((s, i) => visit(s, `run.${i}`))

  const count = new Map<string, number>()
  for (const e of entries) {
    count.set(e.name, (count.get(e.name) ?? 0) + 1)
  }
  const names = new Map<string, string>()
  for (const e of entries) {
    // Explicit names are unique (semantics.ts rejects duplicates); a generated one that is
    // not gets where it sits in the timeline, 1-based as a reader counts steps. A suffixed name
    // has spaces, which a `name:` (lowercase letters, digits, dashes) cannot: no collision.
    const unique = e.explicit || count.get(e.name) === 1
    names.set(e.id, unique ? e.name : `${e.name} (step ${stepNumber(e.id)})`)
  }
  return names
}

/** `run.1.0` → `2.1`: the step's place in the manifest, counted from 1. */
export function stepNumber(id: string): string {
  return id
    .split('.')
    .slice(1)
    .map((i) => Number(i) + 1)
    .join('.')
}

function generatedName(step: StepInputType, childNames: string[]): string {
  if (step.fault) {
    return faultName(step.fault)
  }
  if (step.wait !== undefined) {
    return `wait ${step.wait}`
  }
  if (step.load) {
    const rate = step.load.rate !== undefined ? `${step.load.rate}/s` : 'ramp'
    return `load ${step.load.method ?? 'GET'} ${rate}`
  }
  if (step.capacity) {
    const fault = step.capacity.fault as FaultInput | undefined
    return `capacity of ${step.capacity.load.method ?? 'GET'}${fault ? ` with ${faultName(fault)}` : ''}`
  }
  const kind = step.parallel ? 'parallel' : 'serial'
  const joined = `${kind}: ${childNames.join(step.parallel ? ' + ' : ', then ')}`
  return childNames.length > 0 && joined.length <= kMaxGroupName
    ? joined
    : `${kind} group of ${childNames.length} step${childNames.length === 1 ? '' : 's'}`
}

/** `process-kill of api`, `network-latency on web`, `proxy-toxic latency on front`. */
export function faultName(fault: FaultInput): string {
  const f = fault as FaultInput & Record<string, unknown>
  const target = f['target'] as { service?: string; attach?: string } | undefined
  if (target?.service !== undefined || target?.attach !== undefined) {
    return `${f.type} of ${target.service ?? target.attach}`
  }
  if (typeof f['proxy'] === 'string') {
    const toxic = f['toxic'] as { type?: string } | undefined
    const what = toxic?.type !== undefined ? ` ${toxic.type}` : ''
    return `${f.type}${what} on ${f['proxy']}`
  }
  if (typeof f['host'] === 'string') {
    return `${f.type} on ${f['host']}`
  }
  const between = f['between']
  if (Array.isArray(between)) {
    const groups = between.map((g) => (Array.isArray(g) ? g.join(', ') : String(g)))
    return `${f.type} between ${groups.join(' and ')}`
  }
  if (typeof f['path'] === 'string') {
    return `${f.type} of ${f['path']}`
  }
  return f.type
}

/** A `name:` given to two steps: every report would show two steps as one. */
export function stepNameIssues(
  steps: readonly StepInputType[]
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = []
  const first = new Map<string, string>()
  const visit = (step: StepInputType, path: (string | number)[]) => {
    if (step.name !== undefined) {
      const seen = first.get(step.name)
      if (seen === undefined) {
        first.set(step.name, pathText(path))
      } else {
        issues.push({
          path: [...path, 'name'],
          message: `duplicate step name '${step.name}' (first used at ${seen}); step names are unique in an experiment`,
        })
      }
    }
    step.serial?.forEach((c, i) => visit(c, [...path, 'serial', i]))
    step.parallel?.forEach((c, i) => visit(c, [...path, 'parallel', i]))
  }
  steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  return issues
}

/** `['spec', 'steps', 1, 'parallel', 0]` → `spec.steps[1].parallel[0]`, as issues print paths. */
function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}
