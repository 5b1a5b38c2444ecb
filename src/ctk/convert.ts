/**
 * `ordeal convert ctk.json`: a CTK experiment as an ordeal manifest, for teams moving over.
 * What maps: the steady-state hypothesis → `spec.probes` in mode Edge (before and after the
 * steps, as CTK's before/after hypothesis), http probes → http probes (status, body regex,
 * jsonpath equality), process probes → cmd probes (exit code, stdout regex / range), pauses →
 * wait steps, method probes → step probes. What does not (actions: ordeal acts through
 * faults it can undo, not arbitrary commands; rollbacks; tolerances with no ordeal
 * comparator; secrets, which a manifest must not hold) is listed by name, and the command
 * exits 2 with no manifest written.
 * @module
 */
import { stringify } from 'yaml'
import type { CtkActivity, CtkEntry, CtkExperiment, CtkValues } from './model.js'
import { substitute } from './substitute.js'

export interface Conversion {
  manifest?: Record<string, unknown>
  /** One line per thing that cannot be expressed, naming it. */
  unsupported: string[]
}

export function convertExperiment(experiment: CtkExperiment, values: CtkValues): Conversion {
  const unsupported: string[] = []
  // Configuration is resolved now (env or default); secrets are refused, not baked in.
  const sub = (v: unknown): unknown =>
    substitute(v, { configuration: values.configuration, secrets: {} })
  const resolve = (e: CtkEntry): CtkActivity | undefined =>
    'ref' in e && typeof e.ref === 'string' ? experiment.byName.get(e.ref) : (e as CtkActivity)
  const secretNames = Object.values(values.secrets).flatMap((s) => Object.keys(s))

  const probes: Record<string, unknown>[] = []
  for (const entry of experiment.hypothesis?.probes ?? []) {
    const a = resolve(entry)
    if (a) {
      const p = probe(a, 'Edge', a.tolerance, true, sub, unsupported)
      if (p) {
        probes.push(p)
      }
    }
  }
  const steps: Record<string, unknown>[] = []
  for (const entry of experiment.method) {
    const a = resolve(entry)
    if (!a) {
      continue
    }
    const before = seconds(sub(a.pauses?.before))
    if (before > 0) {
      steps.push({ name: `${slug(a.name)}-pause-before`, wait: `${before}s` })
    }
    if (a.type === 'action') {
      unsupported.push(
        `method action '${a.name}' (${a.provider.type}): ordeal acts through faults it can undo; express it as a fault step`
      )
    } else {
      const p = probe(a, 'SOT', undefined, false, sub, unsupported)
      if (p) {
        steps.push({ name: slug(a.name), wait: '0s', probes: [p] })
      }
    }
    const after = seconds(sub(a.pauses?.after))
    if (after > 0) {
      steps.push({ name: `${slug(a.name)}-pause-after`, wait: `${after}s` })
    }
  }
  for (const entry of experiment.rollbacks) {
    const a = resolve(entry)
    unsupported.push(
      `rollback '${a?.name ?? String((entry as { ref?: string }).ref)}': ordeal's rollbacks are the undo of its own faults`
    )
  }
  // Any use in what would be converted, whether or not that part converts.
  const text = JSON.stringify([experiment.hypothesis ?? null, experiment.method])
  for (const name of secretNames) {
    if (text.includes(`\${${name}}`) || text.includes(`$${name}`)) {
      unsupported.push(`secret '${name}': pass it with --set or a service env, not in the manifest`)
    }
  }
  if (unsupported.length > 0) {
    return { unsupported }
  }
  return {
    unsupported,
    manifest: {
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: {
        name: slug(experiment.title) || 'converted',
        description: String(experiment.raw['description'] ?? ''),
      },
      spec: {
        hypothesis: String(sub(experiment.hypothesis?.title ?? experiment.title)),
        ...(probes.length > 0 ? { probes } : {}),
        steps: steps.length > 0 ? steps : [{ name: 'steady-state', wait: '0s' }],
      },
    },
  }
}

export function manifestYaml(manifest: Record<string, unknown>, source: string): string {
  return `# Converted from the Chaos Toolkit experiment ${source} by ordeal convert.\n${stringify(manifest, { lineWidth: 100 })}`
}

function probe(
  a: CtkActivity,
  mode: string,
  tolerance: unknown,
  judged: boolean,
  sub: (v: unknown) => unknown,
  unsupported: string[]
): Record<string, unknown> | undefined {
  const provider = sub(a.provider) as Record<string, unknown>
  const timeout = typeof provider['timeout'] === 'number' ? provider['timeout'] : undefined
  const base: Record<string, unknown> = {
    name: slug(a.name),
    mode,
    ...(timeout ? { runProperties: { timeout: `${timeout}s` } } : {}),
  }
  const miss = (why: string): undefined => {
    unsupported.push(`probe '${a.name}': ${why}`)
    return undefined
  }
  if (provider['type'] === 'http') {
    const method = String(provider['method'] ?? 'GET').toUpperCase()
    const out: Record<string, unknown> = { ...base, type: 'http', url: provider['url'] }
    if (method !== 'GET') {
      out['method'] = method
    }
    if (provider['headers']) {
      out['headers'] = provider['headers']
    }
    if (provider['arguments'] !== undefined) {
      return miss('http arguments have no ordeal equivalent yet')
    }
    if (!judged) {
      // A method probe is never judged in CTK: any answer passes.
      out['expect'] = { status: { type: 'int', criteria: 'between', value: [100, 599] } }
      return out
    }
    const expect = httpExpect(tolerance)
    return expect
      ? { ...out, expect }
      : miss(`tolerance ${JSON.stringify(tolerance)} on an http probe has no ordeal comparator`)
  }
  if (provider['type'] === 'process') {
    const command = [provider['path'], ...commandArgs(provider['arguments'])].map(String).join(' ')
    const out: Record<string, unknown> = { ...base, type: 'cmd', command }
    if (!judged) {
      return miss(
        'a method process probe passes on any exit code in CTK, an ordeal cmd probe on one'
      )
    }
    const expect = cmdExpect(tolerance)
    return expect
      ? { ...out, ...expect }
      : miss(`tolerance ${JSON.stringify(tolerance)} on a process probe has no ordeal comparator`)
  }
  return miss(`provider '${String(provider['type'])}'`)
}

function httpExpect(t: unknown): Record<string, unknown> | undefined {
  if (typeof t === 'number') {
    return { status: t }
  }
  if (Array.isArray(t) && t.every((x) => typeof x === 'number')) {
    return { status: { type: 'int', criteria: 'oneOf', value: t } }
  }
  if (isObject(t)) {
    if (t['type'] === 'regex' && t['target'] === 'body') {
      return { bodyMatches: t['pattern'] }
    }
    if (t['type'] === 'range' && t['target'] === 'status') {
      return { status: { type: 'float', criteria: 'between', value: t['range'] } }
    }
    if (t['type'] === 'jsonpath' && t['target'] === 'body' && 'expect' in t) {
      const e = t['expect']
      if (typeof e === 'number') {
        return {
          jsonPath: { path: t['path'], comparator: { type: 'float', criteria: '==', value: e } },
        }
      }
      if (typeof e === 'string') {
        return {
          jsonPath: {
            path: t['path'],
            comparator: { type: 'string', criteria: 'equal', value: e },
          },
        }
      }
    }
  }
  return undefined
}

function cmdExpect(t: unknown): Record<string, unknown> | undefined {
  if (typeof t === 'number') {
    return { exitCode: t }
  }
  if (isObject(t)) {
    if (t['type'] === 'regex' && t['target'] === 'stdout') {
      return {
        exitCode: 0,
        comparator: { type: 'string', criteria: 'matches', value: t['pattern'] },
      }
    }
    if (t['type'] === 'range' && t['target'] === 'stdout') {
      return { exitCode: 0, comparator: { type: 'float', criteria: 'between', value: t['range'] } }
    }
  }
  return undefined
}

/** Process arguments as shell words (a string is already a shell fragment). */
function commandArgs(args: unknown): string[] {
  if (typeof args === 'string') {
    return [args]
  }
  const list = Array.isArray(args) ? args : isObject(args) ? Object.entries(args).flat() : []
  return list
    .filter((x) => x !== null && x !== undefined && x !== '')
    .map((x) => {
      const s = String(x)
      return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
    })
}

function seconds(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v
  return typeof n === 'number' && n > 0 ? n : 0
}

/** A name ordeal accepts: lowercase letters, digits and dashes. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
