/**
 * Loading a manifest: read → parse YAML (keeping positions) → validate with the schema →
 * semantic checks that need the whole document (names, references) → resolve defaults.
 * Every step reports all of its issues at once with file and line.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { LineCounter, parseDocument, type Document } from 'yaml'
import type { z } from 'zod'
import { experimentSchema, type ExperimentInput } from './schema.js'
import { ManifestError, formatPath, type ManifestIssue } from './errors.js'
import { semanticIssues, type SemanticIssue } from './semantics.js'
import { captureFilterProblem } from '../capture/filter-check.js'
import { resolveExperiment } from './resolve.js'
import { interpolate, unusedSetIssues } from './interpolate.js'
import type { Experiment } from './model.js'
import { YamlPositions } from './yaml-positions.js'
import {
  aliasFailure,
  checkStructure,
  MAX_ALIAS_COUNT,
  oneLine,
  yamlErrorMessage,
} from './load-guards.js'

/** Reads, validates and resolves a manifest file. Throws ManifestError listing every issue. */
export interface LoadOptions {
  /** Values for `${NAME}` variables (`--set NAME=value`). */
  set?: Record<string, string>
  /**
   * Where `${NAME}` falls back to after `set` (default: this process's environment). The
   * Chaos Center passes `{}`: a manifest from a user must never read the server's secrets.
   */
  env?: NodeJS.ProcessEnv
  /**
   * Accept `set` values the manifest does not use (`ordeal validate` of several files checks
   * that each value is used by one of them instead).
   */
  allowUnusedSet?: boolean
  /**
   * Where relative paths resolve (default: the manifest's dir). A Chaos Center run keeps its
   * copy of the manifest where the run user cannot write, and its commands work elsewhere.
   */
  baseDir?: string
}

export async function loadExperimentFile(
  file: string,
  options: LoadOptions = {}
): Promise<Experiment> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory; expected a manifest file'
          : String((error as Error).message)
    throw manifestError([{ file, line: 0, path: '', message: reason }])
  }
  return loadExperimentText(text, file, options)
}

/** Validates and resolves manifest text; `file` is used in messages and as the base directory. */
export function loadExperimentText(
  text: string,
  file: string,
  options: LoadOptions = {}
): Experiment {
  const set = options.set ?? {}
  const interpolated = interpolate(text, file, set, options.env ?? process.env)
  const issues = [
    ...(options.allowUnusedSet ? [] : unusedSetIssues(file, set, interpolated.used)),
    ...interpolated.issues,
  ]
  if (issues.length > 0) {
    throw manifestError(issues)
  }
  const input = parseManifest(interpolated.text, file)
  const baseDir = path.resolve(options.baseDir ?? path.dirname(path.resolve(file)))
  return resolveExperiment(input, { baseDir, file })
}

/**
 * The parsed data of a manifest that loaded (its `${NAME}` variables filled in the same way) and
 * the lines of its fields: for checks made after loading that still report `file:line: path`
 * (the cluster preflight of `ordeal run`).
 */
export async function readManifestDocument(
  file: string,
  options: Pick<LoadOptions, 'set' | 'env'> = {}
): Promise<{ data: unknown; positions: YamlPositions }> {
  const text = await readFile(file, 'utf8')
  const interpolated = interpolate(text, file, options.set ?? {}, options.env ?? process.env)
  return readYaml(interpolated.text, file)
}

/**
 * Parses YAML into data with the manifest bounds (nesting, keys, aliases) and a linear
 * duplicate-key check, without the schema: for callers that only need a field or two of a
 * manifest that may not validate yet (the Chaos Center's record route).
 */
export function parseManifestYaml(text: string, file: string): unknown {
  return readYaml(text, file).data
}

function readYaml(text: string, file: string): { data: unknown; positions: YamlPositions } {
  const lineCounter = new LineCounter()
  let doc: Document
  try {
    // Duplicate keys are found by checkStructure (linear, unlike the parser's check). logLevel
    // error: the library must not print process warnings; problems become issues.
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      logLevel: 'error',
    })
  } catch (error) {
    // The parser reports its own failures in doc.errors; this is for a stack overflow it missed.
    throw manifestError([{ file, line: 1, path: '', message: yamlErrorMessage(String(error)) }])
  }
  const positions = new YamlPositions(doc, lineCounter)

  if (doc.errors.length > 0) {
    throw manifestError(
      doc.errors.map((e) => ({
        file,
        line: positions.lineOf(e.pos[0]),
        path: '',
        message: yamlErrorMessage(e.message),
      }))
    )
  }
  const structure = checkStructure(doc)
  if (structure.issues.length > 0) {
    throw manifestError(
      structure.issues.map((i) => ({
        file,
        line: positions.lineOf(i.offset),
        path: formatPath(i.path),
        message: i.message,
      }))
    )
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    const failure = aliasFailure(error, structure.aliases)
    throw manifestError([
      { file, line: positions.lineOf(failure.offset), path: '', message: failure.message },
    ])
  }
  return { data, positions }
}

/** Parses and validates, returning the typed input (defaults not yet applied). */
export function parseManifest(text: string, file: string): ExperimentInput {
  const { data, positions } = readYaml(text, file)
  if (data === null || data === undefined) {
    throw manifestError([
      { file, line: 1, path: '', message: 'the file is empty; expected an Experiment manifest' },
    ])
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw manifestError([
      {
        file,
        line: 1,
        path: '',
        message: 'expected a mapping with apiVersion, kind, metadata and spec',
      },
    ])
  }
  const parsed = experimentSchema.safeParse(data)
  const issues: ManifestIssue[] = parsed.success ? [] : zodIssues(parsed.error, positions, file)
  if (parsed.success) {
    for (const issue of [...semanticIssues(parsed.data), ...machineIssues(parsed.data)]) {
      issues.push({
        file,
        line: positions.lineOfPath(issue.path),
        path: formatPath(issue.path),
        message: issue.message,
      })
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line)
    throw manifestError(dedupe(issues))
  }
  return data as ExperimentInput
}

/** Every message one printable line, whatever keys and values the manifest echoes back. */
function manifestError(issues: ManifestIssue[]): ManifestError {
  return new ManifestError(
    issues.map((i) => ({ ...i, path: oneLine(i.path), message: oneLine(i.message) }))
  )
}

function zodIssues(error: z.ZodError, positions: YamlPositions, file: string): ManifestIssue[] {
  const out: ManifestIssue[] = []
  for (const issue of flatten(error.issues)) {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      // One line per unknown key, pointing at the key itself.
      const hints = keyHints(issue.message, issue.keys)
      issue.keys.forEach((key, i) => {
        out.push({
          file,
          line: positions.lineOfKey(issue.path, key),
          path: formatPath([...issue.path, key]),
          message: `unknown field${hints[i]}`,
        })
      })
      continue
    }
    out.push({
      file,
      line: positions.lineOfPath(issue.path),
      path: formatPath(issue.path),
      message: issue.message,
    })
  }
  return out
}

/**
 * The did-you-mean after each `unknown field '<key>'` in strictObject's joined message. Cut by
 * the known keys, not by splitting on '; ', which a key may itself contain; one pass, so that
 * thousands of unknown keys stay linear.
 */
function keyHints(message: string, keys: readonly string[]): string[] {
  const head = (key: string) => `unknown field '${key}'`
  let cursor = 0
  return keys.map((key, i) => {
    const start = message.indexOf(head(key), cursor)
    if (start < 0) {
      return ''
    }
    const from = start + head(key).length
    const next = i + 1 < keys.length ? message.indexOf(`; ${head(keys[i + 1]!)}`, from) : -1
    cursor = next < 0 ? message.length : next
    return message.slice(from, cursor)
  })
}

type FlatIssue = { code: string; path: PropertyKey[]; message: string; keys?: string[] }

/** Discriminated unions nest their branch errors; surface the branch that matched the type. */
function flatten(issues: readonly z.core.$ZodIssue[]): FlatIssue[] {
  const out: FlatIssue[] = []
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.length <= 1) {
      out.push(
        ...flatten(issue.errors[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] })))
      )
      continue
    }
    const keys = issue.code === 'unrecognized_keys' ? { keys: issue.keys } : {}
    out.push({ code: issue.code, path: [...issue.path], message: issue.message, ...keys })
  }
  return out
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.line}:${i.path}:${i.message}`
    return seen.has(k) ? false : (seen.add(k), true)
  })
}

/**
 * Checks that need a program of this machine, so they stay out of the pure semantics the UI
 * bundles: a capture filter tcpdump cannot compile (src/capture/filter-check.ts).
 */
function machineIssues(input: ExperimentInput): SemanticIssue[] {
  const filter = input.spec.capture?.filter
  const problem = filter === undefined ? undefined : captureFilterProblem(filter)
  return problem === undefined ? [] : [{ path: ['spec', 'capture', 'filter'], message: problem }]
}
