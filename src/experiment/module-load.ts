/**
 * Loading an experiment written in TypeScript or JavaScript (issue 19 §1): `ordeal run
 * experiment.ts` imports the module (TypeScript through tsx's ESM API, so no build step and
 * no loader flag) and resolves its default export with the same validator as a YAML manifest.
 * Whatever goes wrong in the module (a syntax error, a throw at import, no default export, an
 * invalid experiment) becomes a ManifestError naming the file, and its line when known: exit 2,
 * one line, never a stack trace.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ManifestError, type ManifestIssue } from './errors.js'
import { resolve } from './define.js'
import { withCodeMonitors } from './code-monitors.js'
import type { Experiment } from './model.js'
import { loadExperimentFile, type LoadOptions } from './load.js'
import { oneLine } from './load-guards.js'

/** Extensions loaded as modules; anything else is a YAML (or JSON) manifest. */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const

export function isModuleFile(file: string): boolean {
  return (MODULE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase())
}

/** A manifest or a module, by its extension: what `ordeal run` and `ordeal validate` load. */
export async function loadAnyExperimentFile(
  file: string,
  options: LoadOptions = {}
): Promise<Experiment> {
  return isModuleFile(file)
    ? loadExperimentModule(file, options)
    : loadExperimentFile(file, options)
}

/** Imports the module and resolves its default export. Throws ManifestError. */
export async function loadExperimentModule(
  file: string,
  options: Pick<LoadOptions, 'set' | 'baseDir' | 'allowUnusedSet'> = {}
): Promise<Experiment> {
  const fail = (message: string, line = 0): never => {
    throw new ManifestError([{ file, line, path: '', message: oneLine(message) }])
  }
  const names = Object.keys(options.set ?? {})
  // With several files (`ordeal validate a.yaml b.ts --set X=1`) the values are for the YAML.
  if (names.length > 0 && !options.allowUnusedSet) {
    // `${NAME}` is YAML's interpolation; a module reads its own inputs (process.env, imports).
    fail(`--set ${names[0]}: a TypeScript experiment reads its inputs itself (process.env)`)
  }
  const absolute = path.resolve(file)
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) =>
    fail(error.code === 'ENOENT' ? 'file not found' : error.message)
  )
  if (info.isDirectory()) {
    fail('is a directory; expected an experiment module')
  }
  let namespace: Record<string, unknown>
  try {
    namespace = await importModule(absolute)
  } catch (error) {
    const { message, line } = moduleFailure(error, absolute)
    return fail(message, line)
  }
  if (!('default' in namespace) || namespace['default'] === undefined) {
    return fail(
      'no default export; expected `export default defineExperiment({ ... })` (from ordeal)'
    )
  }
  let experiment = namespace['default']
  // A CommonJS module's `module.exports = {...}` arrives as `default`; an ES module compiled
  // to CommonJS by a tool puts its own default one level down.
  if (isObject(experiment) && !('apiVersion' in experiment) && isObject(experiment['default'])) {
    experiment = experiment['default']
  }
  if (!isObject(experiment)) {
    return fail(
      `the default export is ${experiment === null ? 'null' : typeof experiment}; expected an experiment object (defineExperiment({ ... }))`
    )
  }
  try {
    const resolved = resolve(experiment as never, {
      source: file,
      file: absolute,
      baseDir: options.baseDir ?? path.dirname(absolute),
    })
    // `export const monitors = [monitor(...)]`: the module's code monitors (code-monitors.ts).
    return namespace['monitors'] === undefined
      ? resolved
      : withCodeMonitors(resolved, namespace['monitors'], file)
  } catch (error) {
    if (error instanceof ManifestError) {
      throw error
    }
    return fail(`invalid experiment: ${(error as Error).message}`)
  }
}

/** TypeScript through tsx (registered for this import only); JavaScript natively. */
async function importModule(absolute: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absolute).href
  if (/\.m?ts$/i.test(absolute)) {
    const { tsImport } = await import('tsx/esm/api')
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>
  }
  return (await import(url)) as Record<string, unknown>
}

/**
 * One line for what the module did wrong, and the module's line when known: esbuild's location
 * for a TypeScript syntax error, `node --check`'s for a JavaScript one, the first stack frame in
 * the file for a throw (tsx maps it to the source line).
 */
export function moduleFailure(
  error: unknown,
  absolute: string
): Pick<ManifestIssue, 'message' | 'line'> {
  const e = error as { message?: unknown; stack?: unknown }
  const raw = typeof e?.message === 'string' ? e.message : String(error)
  // esbuild (tsx): "Transform failed with 1 error:\n/path/x.ts:2:0: ERROR: Unexpected ..."
  const esbuild = /:(\d+):\d+: ERROR: (.+)/.exec(raw)
  if (esbuild) {
    return { message: `syntax error: ${esbuild[2]}`, line: Number(esbuild[1]) }
  }
  const stack = typeof e?.stack === 'string' ? e.stack : ''
  if (error instanceof SyntaxError) {
    // V8 names no line for a module that does not parse; `node --check` does.
    return { message: `syntax error: ${raw}`, line: lineIn(stack, absolute) || checkLine(absolute) }
  }
  return { message: `the module threw at import: ${raw}`, line: lineIn(stack, absolute) }
}

/** The line `node --check` reports for a JavaScript file that does not parse (0 if none). */
function checkLine(absolute: string): number {
  const out = spawnSync(process.execPath, ['--check', absolute], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  return lineIn(out.stderr ?? '', absolute)
}

/** The first `file:LINE` of the module in a stack (a URL or a path). */
function lineIn(stack: string, absolute: string): number {
  for (const candidate of [pathToFileURL(absolute).href, absolute]) {
    const at = stack.indexOf(`${candidate}:`)
    if (at >= 0) {
      const match = /^:(\d+)/.exec(stack.slice(at + candidate.length))
      if (match) {
        return Number(match[1])
      }
    }
  }
  return 0
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
