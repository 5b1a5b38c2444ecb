/**
 * Reads a Chaos Toolkit experiment (JSON, or YAML 1.1 as chaoslib reads it) and validates it
 * the way chaoslib's `ensure_experiment_is_valid` does, but reporting every problem at once as
 * ordeal does: `file:line: field: message`, exit 2, before anything runs. ordeal's own limits
 * are validation errors too: `python` providers (named with their activity and module),
 * vault secrets, continuous hypothesis strategies.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ManifestError, formatPath, type ManifestIssue } from '../experiment/errors.js'
import { YamlPositions } from '../experiment/yaml-positions.js'
import { loadValues } from './configuration.js'
import { translatePath } from './jsonpath.js'
import {
  ROLLBACK_STRATEGIES,
  type CtkActivity,
  type CtkEntry,
  type CtkExperiment,
  type CtkObject,
  type CtkValues,
  type HypothesisStrategy,
  type RollbackStrategy,
} from './model.js'
import { whichPath } from './provider-process.js'
import { pythonRegExp } from './py-regex.js'

type Path = (string | number)[]

export interface ParsedCtk {
  experiment: CtkExperiment
  values: CtkValues
}

/** Reads and parses the document only (for recognising it); throws ManifestError on syntax. */
export async function readCtkDocument(
  file: string
): Promise<{ data: unknown; positions: YamlPositions }> {
  const text = await readFile(file, 'utf8')
  return parseCtkText(text, file)
}

export function parseCtkText(
  text: string,
  file: string
): { data: unknown; positions: YamlPositions } {
  const ext = path.extname(file).toLowerCase()
  const json = ext === '.json'
  if (json) {
    try {
      JSON.parse(text)
    } catch (error) {
      // One line, on the line of the fault: V8's message may span lines and name no position;
      // the YAML parser (JSON is YAML 1.2) usually finds where it breaks.
      const message = `invalid JSON: ${(error as Error).message.replace(/\s+/g, ' ')}`
      const at = /position (\d+)/.exec(message)?.[1] ?? jsonErrorOffset(text)
      const line = at === undefined ? 1 : text.slice(0, Number(at)).split('\n').length
      throw new ManifestError([{ file, line, path: '', message }])
    }
  }
  const lineCounter = new LineCounter()
  // chaoslib reads YAML with PyYAML: YAML 1.1, where yes/no/on/off are booleans.
  const doc = parseDocument(text, {
    lineCounter,
    version: json ? '1.2' : '1.1',
    // PyYAML's 1.1 booleans are yes/no/on/off/true/false; unlike the yaml library's 1.1
    // schema, a bare y or n stays a string (a key `n:` is not `false:`).
    customTags: (tags) => tags.map(pyYamlBool),
    prettyErrors: false,
    logLevel: 'error',
  })
  const positions = new YamlPositions(doc, lineCounter)
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((e) => ({
        file,
        line: positions.lineOf(e.pos[0]),
        path: '',
        message: e.message.split('\n')[0]!,
      }))
    )
  }
  return { data: doc.toJS({ maxAliasCount: 100 }) as unknown, positions }
}

export async function parseCtkFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<ParsedCtk> {
  const ext = path.extname(file).toLowerCase()
  if (!['.json', '.yaml', '.yml'].includes(ext)) {
    throw new ManifestError([
      {
        file,
        line: 0,
        path: '',
        message: 'only files with json, yaml or yml extensions are supported',
      },
    ])
  }
  const { data, positions } = await readCtkDocument(file)
  return validateCtk(data, file, positions, env)
}

export function validateCtk(
  data: unknown,
  file: string,
  positions: YamlPositions,
  env: NodeJS.ProcessEnv
): ParsedCtk {
  const issues: ManifestIssue[] = []
  const issue = (p: Path, message: string): void => {
    issues.push({ file, line: positions.lineOfPath(p), path: formatPath(p), message })
  }
  if (!isObject(data) || Object.keys(data).length === 0) {
    throw new ManifestError([
      { file, line: 1, path: '', message: 'an empty experiment is not an experiment' },
    ])
  }
  const raw = data
  for (const key of ['title', 'description']) {
    if (typeof raw[key] !== 'string' || raw[key] === '') {
      issue([key], `experiment requires a ${key}`)
    }
  }
  if (raw['tags'] !== undefined) {
    if (!Array.isArray(raw['tags'])) {
      issue(['tags'], 'experiment tags must be a list')
    } else {
      raw['tags'].forEach((t, i) => {
        if (typeof t !== 'string' || t === '') {
          issue(['tags', i], 'experiment tags must be a non-empty string')
        }
      })
    }
  }
  if (isObject(raw['configuration'])) {
    for (const [key, value] of Object.entries(raw['configuration'])) {
      if (isObject(value) && value['type'] === 'probe') {
        checkActivity(value, ['configuration', key], issue)
      }
    }
  }
  const loaded = loadValues(raw, env)
  for (const i of loaded.issues) {
    issue(i.path, i.message)
  }

  const warnings: string[] = []
  if (raw['controls'] !== undefined) {
    warnings.push(
      `${file}: controls are Python hooks; ordeal ignores them (${controlNames(raw['controls'])})`
    )
  }

  let hypothesis: CtkExperiment['hypothesis']
  const hypo = raw['steady-state-hypothesis']
  if (hypo !== undefined && hypo !== null) {
    if (!isObject(hypo)) {
      issue(['steady-state-hypothesis'], 'the steady-state hypothesis must be a mapping')
    } else {
      if (typeof hypo['title'] !== 'string' || hypo['title'] === '') {
        issue(['steady-state-hypothesis'], 'hypothesis requires a title')
      }
      const probes = listAt(hypo['probes'], ['steady-state-hypothesis', 'probes'], issue)
      probes.forEach((p, i) => {
        const at: Path = ['steady-state-hypothesis', 'probes', i]
        checkActivity(p, at, issue)
        if (isObject(p) && !('ref' in p)) {
          if (!('tolerance' in p)) {
            issue(at, 'hypothesis probe must have a tolerance entry')
          } else {
            checkTolerance(p['tolerance'], [...at, 'tolerance'], issue)
          }
        }
      })
      hypothesis = { title: String(hypo['title'] ?? ''), probes: probes as CtkEntry[] }
    }
  }

  if (!('method' in raw)) {
    issue(
      ['method'],
      'an experiment requires a method, which can be empty for only checking steady state hypothesis'
    )
  }
  const method = listAt(raw['method'] ?? [], ['method'], issue)
  method.forEach((a, i) => checkActivity(a, ['method', i], issue))
  const rollbacks = listAt(raw['rollbacks'] ?? [], ['rollbacks'], issue)
  rollbacks.forEach((a, i) => checkActivity(a, ['rollbacks', i], issue))

  // chaoslib caches activities by name, hypothesis then method then rollbacks: the last wins.
  const byName = new Map<string, CtkActivity>()
  for (const a of [...(hypothesis?.probes ?? []), ...method, ...rollbacks]) {
    if (isObject(a) && typeof a['name'] === 'string' && !('ref' in a)) {
      byName.set(a['name'], a as CtkActivity)
    }
  }
  // Refs of the hypothesis and the method are checked before the run, as chaoslib does;
  // a rollback's missing ref shows at run time, where it skips the remaining rollbacks.
  const refsAt: [unknown[], Path][] = [
    [hypothesis?.probes ?? [], ['steady-state-hypothesis', 'probes']],
    [method, ['method']],
  ]
  for (const [list, at] of refsAt) {
    list.forEach((a, i) => {
      if (isObject(a) && typeof a['ref'] === 'string' && !byName.has(a['ref'])) {
        issue(
          [...at, i, 'ref'],
          `referenced activity '${a['ref']}' could not be found in the experiment`
        )
      }
    })
  }

  let rollbackStrategy: RollbackStrategy | undefined
  let hypothesisStrategy: HypothesisStrategy = 'default'
  const runtime = raw['runtime']
  if (isObject(runtime)) {
    // chaos: with a runtime block, both strategies come from it (a missing one is default).
    const rs = isObject(runtime['rollbacks']) ? runtime['rollbacks']['strategy'] : undefined
    if (rs !== undefined) {
      if (ROLLBACK_STRATEGIES.includes(rs as RollbackStrategy)) {
        rollbackStrategy = rs as RollbackStrategy
      } else {
        issue(
          ['runtime', 'rollbacks', 'strategy'],
          `unknown rollback strategy '${String(rs)}' (default, always, never, deviated)`
        )
      }
    } else {
      rollbackStrategy = 'default'
    }
    const hs = isObject(runtime['hypothesis']) ? runtime['hypothesis']['strategy'] : undefined
    if (hs !== undefined) {
      if (['default', 'before-method-only', 'after-method-only', 'skip'].includes(String(hs))) {
        hypothesisStrategy = hs as HypothesisStrategy
      } else {
        issue(
          ['runtime', 'hypothesis', 'strategy'],
          `hypothesis strategy '${String(hs)}' is not supported by ordeal (default, before-method-only, after-method-only, skip)`
        )
      }
    }
  }

  if (issues.length > 0) {
    throw new ManifestError(issues)
  }
  return {
    experiment: {
      file,
      raw,
      title: String(raw['title']),
      ...(hypothesis && hypothesis.probes.length > 0 ? { hypothesis } : {}),
      method: method as CtkEntry[],
      rollbacks: rollbacks as CtkEntry[],
      ...(rollbackStrategy ? { rollbackStrategy } : {}),
      hypothesisStrategy,
      byName,
      warnings,
    },
    values: loaded.values,
  }
}

function listAt(value: unknown, at: Path, issue: (p: Path, m: string) => void): unknown[] {
  if (value === undefined || value === null) {
    return []
  }
  if (!Array.isArray(value)) {
    issue(at, 'must be a list of activities')
    return []
  }
  return value
}

/** chaoslib's `ensure_activity_is_valid`, plus ordeal's own refusal of python providers. */
function checkActivity(a: unknown, at: Path, issue: (p: Path, m: string) => void): void {
  if (!isObject(a) || Object.keys(a).length === 0) {
    issue(at, 'empty activity is no activity')
    return
  }
  if ('ref' in a) {
    if (typeof a['ref'] !== 'string' || a['ref'] === '') {
      issue([...at, 'ref'], 'reference to activity must be non-empty strings')
    }
    return
  }
  if (a['type'] === undefined) {
    issue(at, 'an activity must have a type')
  } else if (a['type'] !== 'probe' && a['type'] !== 'action') {
    issue([...at, 'type'], `'${String(a['type'])}' is not a supported activity type`)
  }
  const name = typeof a['name'] === 'string' && a['name'] !== '' ? a['name'] : undefined
  if (!name) {
    issue(at, 'an activity must have a name')
  }
  if (a['timeout'] !== undefined && typeof a['timeout'] !== 'number') {
    issue([...at, 'timeout'], 'activity timeout must be a number')
  }
  const pauses = a['pauses']
  if (pauses !== undefined) {
    for (const when of ['before', 'after']) {
      const v = isObject(pauses) ? pauses[when] : undefined
      if (
        v !== undefined &&
        typeof v !== 'number' &&
        !(typeof v === 'string' && /^\$\{.*\}$/.test(v))
      ) {
        issue([...at, 'pauses', when], `activity ${when} pause must be a number or a \${variable}`)
      }
    }
  }
  if (a['background'] !== undefined && typeof a['background'] !== 'boolean') {
    issue([...at, 'background'], 'activity background must be a boolean')
  }
  const provider = a['provider']
  if (!isObject(provider)) {
    issue(at, 'an activity requires a provider')
    return
  }
  const label = name ?? formatPath(at)
  switch (provider['type']) {
    case undefined:
      issue([...at, 'provider'], 'a provider must have a type')
      break
    case 'python':
      issue(
        [...at, 'provider', 'type'],
        `activity '${label}': unsupported provider 'python' (${String(provider['module'] ?? '?')}.${String(provider['func'] ?? '?')}); ordeal runs http and process providers`
      )
      break
    case 'process': {
      const p = provider['path']
      if (typeof p !== 'string' || p === '') {
        issue([...at, 'provider'], 'a process activity must have a path')
      } else if (!whichPath(p)) {
        issue([...at, 'provider', 'path'], `path '${p}' cannot be found, in activity '${label}'`)
      }
      if (provider['timeout'] !== undefined && typeof provider['timeout'] !== 'number') {
        issue([...at, 'provider', 'timeout'], 'process timeout must be a number of seconds')
      }
      break
    }
    case 'http':
      if (typeof provider['url'] !== 'string' || provider['url'] === '') {
        issue([...at, 'provider'], 'a HTTP activity must have a URL')
      }
      if (provider['headers'] !== undefined && !isObject(provider['headers'])) {
        issue([...at, 'provider', 'headers'], 'a HTTP activities expect headers as a mapping')
      }
      break
    default:
      issue([...at, 'provider', 'type'], `unknown provider type '${String(provider['type'])}'`)
  }
}

/** chaoslib's `ensure_hypothesis_tolerance_is_valid`, with ordeal's regex/jsonpath dialects. */
function checkTolerance(t: unknown, at: Path, issue: (p: Path, m: string) => void): void {
  if (typeof t === 'boolean' || typeof t === 'string' || Array.isArray(t)) {
    return
  }
  if (typeof t === 'number') {
    if (!Number.isInteger(t)) {
      issue(
        at,
        `hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries (got ${t})`
      )
    }
    return
  }
  if (!isObject(t)) {
    issue(
      at,
      'hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries'
    )
    return
  }
  switch (t['type']) {
    case 'probe':
      checkActivity(t, at, issue)
      if (isObject(t['provider']) && !isObject(t['provider']['arguments'])) {
        issue(
          [...at, 'provider'],
          'a probe tolerance needs provider.arguments (a mapping) to receive the value'
        )
      }
      return
    case 'regex':
      if (typeof t['pattern'] !== 'string' || t['pattern'] === '') {
        issue(at, 'hypothesis regex probe tolerance must have a pattern')
      } else {
        try {
          pythonRegExp(t['pattern'])
        } catch (error) {
          issue(
            [...at, 'pattern'],
            `hypothesis probe tolerance pattern ${t['pattern']} has an invalid syntax (${(error as Error).message})`
          )
        }
      }
      return
    case 'jsonpath': {
      const p = t['path']
      if (typeof p !== 'string' || p === '') {
        issue(at, 'hypothesis jsonpath probe tolerance must have a path')
      } else if (!p.includes('${')) {
        // A path with ${...} is checked once substituted, at run time.
        const translated = translatePath(p)
        if (translated.error) {
          issue([...at, 'path'], translated.error)
        }
      }
      return
    }
    case 'range': {
      const r = t['range']
      if (!Array.isArray(r)) {
        issue(at, 'hypothesis range must be a sequence')
      } else if (r.length !== 2 || !r.every((x) => typeof x === 'number')) {
        issue([...at, 'range'], 'hypothesis range must be two numbers')
      }
      return
    }
    default:
      issue(
        [...at, 'type'],
        `hypothesis probe tolerance type '${String(t['type'])}' is unsupported`
      )
  }
}

function jsonErrorOffset(text: string): number | undefined {
  const doc = parseDocument(text, { version: '1.2', prettyErrors: false, logLevel: 'silent' })
  return doc.errors[0]?.pos[0]
}

function pyYamlBool<T>(tag: T): T {
  const t = tag as { tag?: string; test?: RegExp }
  if (t.tag !== 'tag:yaml.org,2002:bool' || !t.test) {
    return tag
  }
  const source = t.test.source.replace(/^\^\(\?:[YN]\|[yn]\|/, '^(?:')
  return { ...tag, test: new RegExp(source) }
}

function controlNames(controls: unknown): string {
  if (!Array.isArray(controls)) {
    return 'controls'
  }
  return controls.map((c) => (isObject(c) ? String(c['name'] ?? '?') : '?')).join(', ')
}

function isObject(v: unknown): v is CtkObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
