/**
 * Loading a manifest: read → parse YAML (keeping positions) → validate with the schema →
 * semantic checks that need the whole document (names, references) → resolve defaults.
 * Every step reports all of its issues at once with file and line.
 * @module
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import type { z } from 'zod'
import { experimentSchema, type ExperimentInput } from './schema.js'
import { ManifestError, formatPath, type ManifestIssue } from './errors.js'
import { semanticIssues } from './semantics.js'
import { resolveExperiment } from './resolve.js'
import { interpolate } from './interpolate.js'
import type { Experiment } from './model.js'

/** Reads, validates and resolves a manifest file. Throws ManifestError listing every issue. */
export interface LoadOptions {
  /** Values for `${NAME}` variables (`--set NAME=value`). */
  set?: Record<string, string>
}

export async function loadExperimentFile(
  file: string,
  options: LoadOptions = {}
): Promise<Experiment> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : String((error as Error).message)
    throw new ManifestError([{ file, line: 0, path: '', message: reason }])
  }
  return loadExperimentText(text, file, options)
}

/** Validates and resolves manifest text; `file` is used in messages and as the base directory. */
export function loadExperimentText(
  text: string,
  file: string,
  options: LoadOptions = {}
): Experiment {
  const interpolated = interpolate(text, file, options.set ?? {})
  if (interpolated.issues.length > 0) {
    throw new ManifestError(interpolated.issues)
  }
  const input = parseManifest(interpolated.text, file)
  return resolveExperiment(input, { baseDir: path.dirname(path.resolve(file)), file })
}

/** Parses and validates, returning the typed input (defaults not yet applied). */
export function parseManifest(text: string, file: string): ExperimentInput {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line

  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((e) => ({
        file,
        line: lineOf(e.pos[0]),
        path: '',
        message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      }))
    )
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 })
  if (data === null || data === undefined) {
    throw new ManifestError([
      { file, line: 1, path: '', message: 'the file is empty; expected an Experiment manifest' },
    ])
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ManifestError([
      {
        file,
        line: 1,
        path: '',
        message: 'expected a mapping with apiVersion, kind, metadata and spec',
      },
    ])
  }
  const parsed = experimentSchema.safeParse(data)
  const issues: ManifestIssue[] = parsed.success ? [] : zodIssues(parsed.error, doc, file, lineOf)
  if (parsed.success) {
    for (const issue of semanticIssues(parsed.data)) {
      issues.push({
        file,
        line: lineOfPath(doc, issue.path, lineOf),
        path: formatPath(issue.path),
        message: issue.message,
      })
    }
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line)
    throw new ManifestError(dedupe(issues))
  }
  return data as ExperimentInput
}

function zodIssues(
  error: z.ZodError,
  doc: Document,
  file: string,
  lineOf: (o?: number) => number
): ManifestIssue[] {
  const out: ManifestIssue[] = []
  for (const issue of flatten(error.issues)) {
    if (issue.code === 'unrecognized_keys') {
      // One line per unknown key, pointing at the key itself.
      for (const message of issue.message.split('; ')) {
        const key = /unknown field '([^']+)'/.exec(message)?.[1] ?? ''
        out.push({
          file,
          line: lineOfKey(doc, issue.path, key, lineOf),
          path: formatPath([...issue.path, key]),
          message: message.replace(/^unknown field '[^']+'/, 'unknown field'),
        })
      }
      continue
    }
    out.push({
      file,
      line: lineOfPath(doc, issue.path, lineOf),
      path: formatPath(issue.path),
      message: issue.message,
    })
  }
  return out
}

type FlatIssue = { code: string; path: PropertyKey[]; message: string }

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
    out.push({ code: issue.code, path: [...issue.path], message: issue.message })
  }
  return out
}

function lineOfPath(
  doc: Document,
  p: readonly PropertyKey[],
  lineOf: (o?: number) => number
): number {
  // Walk down as far as the document goes. A missing field points at the key that holds its
  // parent (`fault:` for a missing `fault.duration`), where a reader looks for it.
  for (let depth = p.length; depth >= 1; depth--) {
    const node = doc.getIn(p.slice(0, depth) as unknown[], true) as
      { range?: [number, number, number] } | undefined
    if (node && typeof node === 'object' && node.range) {
      if (depth === p.length) {
        return lineOf(node.range[0])
      }
      return lineOfKey(doc, p.slice(0, depth - 1), String(p[depth - 1]), lineOf)
    }
  }
  return 1
}

function lineOfKey(
  doc: Document,
  p: readonly PropertyKey[],
  key: string,
  lineOf: (o?: number) => number
): number {
  const parent = p.length === 0 ? doc.contents : doc.getIn(p as unknown[], true)
  if (isSeq(parent)) {
    const item = parent.items[Number(key)] as { range?: [number, number, number] } | undefined
    return lineOf(item?.range?.[0] ?? parent.range?.[0])
  }
  if (isMap(parent)) {
    for (const pair of parent.items) {
      const k = pair.key as { value?: unknown; range?: [number, number, number] }
      if (k && String(k.value) === key && k.range) {
        return lineOf(k.range[0])
      }
    }
  }
  return p.length === 0 ? 1 : lineOfPath(doc, p, lineOf)
}

function dedupe(issues: ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.line}:${i.path}:${i.message}`
    return seen.has(k) ? false : (seen.add(k), true)
  })
}
