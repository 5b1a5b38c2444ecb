/**
 * `ordeal capacity URL`: the capacity search on its own (no system, no fault: a manifest's
 * `capacity` step does those). Prints each trial as it ends, then the answer. Exit codes
 * follow `ordeal load`: 0 an answer was found, 1 even the start rate failed, 2 bad input (one
 * line, before any request), 3 the load could not run, 130 interrupted.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { CAPACITY_DEFAULTS, PERCENT_PATTERN, parsePercent } from '../../capacity/schema.js'
import { DEFAULT_THRESHOLD_NOTE, withDefaultThreshold } from '../../capacity/default-threshold.js'
import { runCapacity } from '../../capacity/run.js'
import { searchParamsIssue } from '../../capacity/search.js'
import type { CapacitySpec } from '../../capacity/spec.js'
import { capacityLine, phaseDetail, trialLine } from '../../capacity/text.js'
import { LoadSpecError } from '../../load/generator.js'
import { prepareLoad } from '../../load/prepare.js'
import { parseDuration } from '../../shared/duration.js'
import { EXIT_USAGE } from '../exit.js'
import { checkOutputPaths } from '../output-paths.js'
import { parseLoadOptions, type LoadCommandOptions } from './load.js'

export interface CapacityCommandOptions extends Omit<LoadCommandOptions, 'rate' | 'duration'> {
  start?: string
  max?: string
  growth?: string
  precision?: string
  trial?: string
  warmup?: string
  repeat?: string
}

type Parsed = { ok: true; spec: CapacitySpec } | { ok: false; message: string }

export async function capacityCommand(
  url: string,
  options: CapacityCommandOptions
): Promise<number> {
  const parsed = parseCapacityOptions(url, options)
  if (!parsed.ok) {
    process.stderr.write(`ordeal capacity: ${parsed.message}\n`)
    return EXIT_USAGE
  }
  const { spec } = parsed
  checkOutputPaths('capacity', { '--json': options.json })
  try {
    prepareLoad({ ...spec.load, thresholds: spec.thresholds })
  } catch (error) {
    process.stderr.write(`ordeal capacity: ${(error as Error).message}\n`)
    return EXIT_USAGE
  }
  const out = process.stdout
  const controller = new AbortController()
  let interrupted = false
  let forced: (code: number) => void = () => undefined
  const forcedExit = new Promise<number>((resolve) => (forced = resolve))
  // First Ctrl+C: stop the trial under way and print nothing more; a second: give up waiting.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      forced(130)
      return
    }
    interrupted = true
    process.stderr.write(`\n${signal}: stopping the search (again to quit now)\n`)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  out.write(
    `capacity: ${spec.load.method} ${spec.load.url} from ${spec.start} req/s ×${spec.growth} up to ${spec.max}, ` +
      `±${Math.round(spec.precision * 1000) / 10} %, trials of ${options.trial ?? CAPACITY_DEFAULTS.trial} ` +
      `(${options.warmup ?? CAPACITY_DEFAULTS.warmup} warm-up)\n`
  )
  if ((options.threshold ?? []).length === 0) {
    out.write(`${DEFAULT_THRESHOLD_NOTE}\n`)
  }
  try {
    const result = await Promise.race([
      runCapacity('capacity', 'capacity', spec, {
        emit: () => undefined,
        signal: controller.signal,
        onTrial: (t) => out.write(`${trialLine(t)}\n`),
      }),
      forcedExit,
    ])
    if (result === undefined || typeof result === 'number') {
      return 130
    }
    out.write(`\n${capacityLine(result)}\n  ${phaseDetail(result.baseline)}\n`)
    if (options.json) {
      await writeFile(options.json, `${JSON.stringify(result, null, 2)}\n`)
    }
    return result.baseline.sustainable === null ? 1 : 0
  } catch (error) {
    if (error instanceof LoadSpecError) {
      process.stderr.write(`ordeal capacity: ${error.message}\n`)
      return EXIT_USAGE
    }
    process.stderr.write(`ordeal capacity: the load could not run: ${(error as Error).message}\n`)
    return 3
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** Turns the flags into a CapacitySpec, or the first problem as one line naming the flag. */
export function parseCapacityOptions(url: string, o: CapacityCommandOptions): Parsed {
  const fail = (message: string): Parsed => ({ ok: false, message })
  // The load flags are `ordeal load`'s; the search sets rate and duration per trial.
  const load = parseLoadOptions(url, { ...o, rate: '1', duration: '1s' })
  if (!load.ok) {
    return load
  }
  const number = (text: string | undefined, fallback: number) => {
    if (text === undefined) {
      return fallback
    }
    const n = Number(text)
    return text.trim() === '' || !Number.isFinite(n) ? Number.NaN : n
  }
  const start = number(o.start, CAPACITY_DEFAULTS.start)
  if (!(start >= 1 && start <= 100_000)) {
    return fail(`--start '${o.start}' must be a rate from 1 to 100000 req/s`)
  }
  const max = number(o.max, CAPACITY_DEFAULTS.max)
  if (!(max >= 1 && max <= 100_000)) {
    return fail(`--max '${o.max}' must be a rate from 1 to 100000 req/s`)
  }
  if (max < start) {
    return fail(`--max ${max} must be at least --start ${start}`)
  }
  const growth = number(o.growth, CAPACITY_DEFAULTS.growth)
  if (!(growth > 1 && growth <= 10)) {
    return fail(`--growth '${o.growth}' must be a number above 1 (at most 10)`)
  }
  const precisionText = o.precision ?? CAPACITY_DEFAULTS.precision
  const precision = new RegExp(PERCENT_PATTERN).test(precisionText)
    ? parsePercent(precisionText)
    : Number.NaN
  if (!(precision > 0 && precision < 1)) {
    return fail(`--precision '${o.precision}' must be a percentage above 0 like 5%`)
  }
  const trialMs = parseDuration(o.trial ?? CAPACITY_DEFAULTS.trial)
  if (trialMs === undefined || trialMs <= 0) {
    return fail(`--trial '${o.trial}' must be a duration above 0 like 10s`)
  }
  const warmupMs = parseDuration(o.warmup ?? CAPACITY_DEFAULTS.warmup)
  if (warmupMs === undefined) {
    return fail(`--warmup '${o.warmup}' must be a duration like 2s`)
  }
  if (trialMs - warmupMs < 1000) {
    return fail(`--trial must be at least 1s longer than --warmup (trials are judged after it)`)
  }
  const repeat = number(o.repeat, CAPACITY_DEFAULTS.repeat)
  if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 10)) {
    return fail(`--repeat '${o.repeat}' must be a whole number from 1 to 10`)
  }
  const issue = searchParamsIssue({ start, max, growth, precision, repeat })
  if (issue !== undefined) {
    return fail(issue)
  }
  const { thresholds, ...rest } = load.spec
  return {
    ok: true,
    spec: {
      load: { ...rest, thresholds: [] },
      thresholds: withDefaultThreshold(thresholds),
      start,
      max,
      growth,
      precision,
      trialMs,
      warmupMs,
      repeat,
      faultMode: 'held',
    },
  }
}
