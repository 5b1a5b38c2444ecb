/**
 * `ordeal load URL --rate N --duration D`: the open-model load generator on its own (or,
 * with `--concurrency N` instead of `--rate`, a closed loop that measures the most a system
 * serves), with
 * live progress, a k6-like summary and `--json`. Exit codes follow `ordeal run`: 0 every
 * threshold held, 1 a threshold failed (k6 uses 99; for ordeal a failed threshold is a
 * disproved hypothesis), 2 bad input (one line, before any request), 3 the load could not
 * run, 130 interrupted.
 * @module
 */
import { checkOutputPaths } from '../output-paths.js'
import { writeFile } from 'node:fs/promises'
import type { LoadSpec, LoadSummary, ThresholdSpec } from '../../load/contract.js'
import { parseExpectedStatus } from '../../load/expected-status.js'
import { LoadSpecError, runLoad } from '../../load/generator.js'
import { prepareLoad } from '../../load/prepare.js'
import { LOAD_DEFAULTS } from '../../load/resolve.js'
import { ProgressTotals, formatLoadSummary, tickLine } from '../../load/summary-text.js'
import { parseThreshold } from '../../load/thresholds.js'
import { formatDuration, parseDuration } from '../../shared/duration.js'
import { EXIT_USAGE } from '../exit.js'

/** Commander's parsed options: values as typed, repeatable options as arrays. */
export interface LoadCommandOptions {
  rate?: string
  /** Closed loop: this many connections, each sending again as soon as it is answered. */
  concurrency?: string
  duration?: string
  method?: string
  body?: string
  header?: string[]
  maxInFlight?: string
  connections?: string
  timeout?: string
  expectedStatus?: string
  threshold?: string[]
  json?: string
  workers?: string
  /** `--no-progress`: plain lines even on a terminal. */
  progress?: boolean
}

const kMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export async function loadCommand(url: string, options: LoadCommandOptions): Promise<number> {
  const parsed = parseLoadOptions(url, options)
  if (!parsed.ok) {
    process.stderr.write(`ordeal load: ${parsed.message}\n`)
    return EXIT_USAGE
  }
  const spec = parsed.spec
  checkOutputPaths('load', { '--json': options.json })
  try {
    prepareLoad(spec)
  } catch (error) {
    process.stderr.write(`ordeal load: ${(error as Error).message}\n`)
    return EXIT_USAGE
  }

  const out = process.stdout
  const live = Boolean(out.isTTY) && options.progress !== false
  const totals = new ProgressTotals(spec.durationMs)
  const controller = new AbortController()
  let forced: (code: number) => void = () => undefined
  const forcedExit = new Promise<number>((resolve) => (forced = resolve))
  let interrupted = false
  // First Ctrl+C: stop sending and print what was measured; a second one: give up waiting.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      forced(130)
      return
    }
    interrupted = true
    process.stderr.write(`\n${signal}: stopping the load (again to quit now)\n`)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const model =
    spec.concurrency !== undefined
      ? `closed loop on ${spec.concurrency} connections`
      : `at ${spec.rate}/s`
  const inFlight = spec.concurrency !== undefined ? '' : `max ${spec.maxInFlight} in flight, `
  out.write(
    `load: ${spec.method} ${spec.url} ${model} for ${formatDuration(spec.durationMs)} ` +
      `(${inFlight}timeout ${formatDuration(spec.timeoutMs)})\n`
  )
  let summary: LoadSummary
  try {
    const result = await Promise.race([
      runLoad(spec, {
        signal: controller.signal,
        onTick(tick) {
          totals.add(tick)
          out.write(live ? `\r\x1b[2K${totals.line(tick)}` : `${tickLine(tick)}\n`)
        },
      }),
      forcedExit,
    ])
    if (typeof result === 'number') {
      return result
    }
    summary = result
  } catch (error) {
    if (error instanceof LoadSpecError) {
      process.stderr.write(`ordeal load: ${error.message}\n`)
      return EXIT_USAGE
    }
    process.stderr.write(`ordeal load: the load could not run: ${(error as Error).message}\n`)
    return 3
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (live) {
      out.write('\n')
    }
  }
  out.write(formatLoadSummary(summary))
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(summary, null, 2)}\n`)
  }
  if (interrupted) {
    return 130
  }
  return summary.thresholds.every((t) => t.ok) ? 0 : 1
}

type Parsed = { ok: true; spec: LoadSpec } | { ok: false; message: string }

/** Turns the flags into a LoadSpec, or the first problem as one line. */
export function parseLoadOptions(url: string, o: LoadCommandOptions): Parsed {
  const fail = (message: string): Parsed => ({ ok: false, message })
  if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url.replace(/\{\{[^}]*\}\}/g, 'x'))) {
    return fail(`'${url}' is not an http:// or https:// URL`)
  }
  if (o.rate !== undefined && o.concurrency !== undefined) {
    return fail('--rate (open model) and --concurrency (closed loop) exclude each other')
  }
  if (o.rate === undefined && o.concurrency === undefined) {
    return fail(
      '--rate is required (requests per second, e.g. --rate 100), or --concurrency N for a closed loop'
    )
  }
  if (o.concurrency !== undefined && (o.maxInFlight !== undefined || o.connections !== undefined)) {
    // A closed loop of N is N connections with one request each: the other two would be ignored.
    return fail(
      '--concurrency sets both the connections and the requests in flight; drop --max-in-flight and --connections'
    )
  }
  const concurrency =
    o.concurrency === undefined ? undefined : wholeNumber(o.concurrency, 1, 100_000)
  if (o.concurrency !== undefined && concurrency === undefined) {
    return fail(`--concurrency '${o.concurrency}' must be a whole number from 1 to 100000`)
  }
  const rate = Number(o.rate)
  if (
    o.rate !== undefined &&
    (o.rate.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 100_000)
  ) {
    return fail(
      `--rate '${o.rate}' must be a number of requests per second above 0 (at most 100000)`
    )
  }
  if (o.duration === undefined) {
    return fail('--duration is required (e.g. --duration 30s)')
  }
  const durationMs = parseDuration(o.duration)
  if (durationMs === undefined || durationMs <= 0) {
    return fail(`--duration '${o.duration}' must be a duration above 0 like 30s or 1m30s`)
  }
  const method = (o.method ?? LOAD_DEFAULTS.method).toUpperCase()
  if (!(kMethods as readonly string[]).includes(method)) {
    return fail(`--method '${o.method}' must be one of ${kMethods.join(', ')}`)
  }
  const headers: Record<string, string> = {}
  for (const header of o.header ?? []) {
    const colon = header.indexOf(':')
    if (colon <= 0) {
      return fail(`--header '${header}' must be 'Name: value'`)
    }
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim()
  }
  const maxInFlight = wholeNumber(o.maxInFlight, LOAD_DEFAULTS.maxInFlight, 100_000)
  if (maxInFlight === undefined) {
    return fail(`--max-in-flight '${o.maxInFlight}' must be a whole number from 1 to 100000`)
  }
  const connections = wholeNumber(o.connections, maxInFlight, 100_000)
  if (connections === undefined) {
    return fail(`--connections '${o.connections}' must be a whole number from 1 to 100000`)
  }
  const timeoutMs = o.timeout === undefined ? LOAD_DEFAULTS.timeoutMs : parseDuration(o.timeout)
  if (timeoutMs === undefined || timeoutMs <= 0) {
    return fail(`--timeout '${o.timeout}' must be a duration above 0 like 5s`)
  }
  const expectedStatus = o.expectedStatus ?? LOAD_DEFAULTS.expectedStatus
  const status = parseExpectedStatus(expectedStatus)
  if (typeof status === 'string') {
    return fail(`--expected-status: ${status}`)
  }
  const workers =
    o.workers === undefined || o.workers === 'auto' ? 'auto' : wholeNumber(o.workers, 1, 16)
  if (workers === undefined) {
    return fail(`--workers '${o.workers}' must be 'auto' or a whole number from 1 to 16`)
  }
  const thresholds: ThresholdSpec[] = []
  for (const text of o.threshold ?? []) {
    const equals = text.indexOf('=')
    if (equals <= 0) {
      return fail(
        `--threshold '${text}' must be 'metric=expression', e.g. 'http_req_duration=p(95)<200'`
      )
    }
    const metric = text.slice(0, equals).trim()
    const expression = text.slice(equals + 1).trim()
    const threshold = parseThreshold(metric, expression)
    if (!threshold.ok) {
      return fail(`--threshold '${text}': ${threshold.message}`)
    }
    thresholds.push({ metric, expression, abortOnFail: false, delayAbortEvalMs: 0 })
  }
  return {
    ok: true,
    spec: {
      url,
      method: method as LoadSpec['method'],
      headers,
      ...(o.body !== undefined ? { body: o.body } : {}),
      ...(concurrency !== undefined ? { concurrency } : { rate }),
      startRate: 0,
      durationMs,
      maxInFlight,
      ...(o.connections !== undefined ? { connections } : {}),
      timeoutMs,
      expectedStatus,
      thresholds,
      workers,
    },
  }
}

function wholeNumber(text: string | undefined, fallback: number, max: number): number | undefined {
  if (text === undefined) {
    return fallback
  }
  const n = Number(text)
  return /^\s*\d+\s*$/.test(text) && n >= 1 && n <= max ? n : undefined
}
