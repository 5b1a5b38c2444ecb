/**
 * Manifest `load:` input (src/load/schema.ts) → LoadSpec with every default applied, and the
 * checks the schema cannot express (threshold grammar, status ranges) as path + message
 * issues the experiment validator can report with file and line.
 * @module
 */
import { parseDuration } from '../shared/duration.js'
import type { LoadSpec, ThresholdSpec } from './contract.js'
import { parseExpectedStatus } from './expected-status.js'
import type { LoadInput } from './schema.js'
import { parseThreshold } from './thresholds.js'

export const LOAD_DEFAULTS = {
  method: 'GET',
  maxInFlight: 1000,
  timeoutMs: 10_000,
  expectedStatus: '200-399',
  workers: 'auto',
  startRate: 0,
} as const

/**
 * Applies defaults to input the schema accepted. `connections` is not in the manifest schema
 * (adding it changes the committed JSON Schema); a caller that has it may pass it along.
 */
export function resolveLoad(input: LoadInput & { connections?: number }): LoadSpec {
  const stages = input.stages?.map((s) => ({ durationMs: ms(s.duration), target: s.target }))
  const durationMs =
    stages !== undefined
      ? stages.reduce((sum, s) => sum + s.durationMs, 0)
      : ms(input.duration ?? '0s')
  return {
    url: input.url,
    method: input.method ?? LOAD_DEFAULTS.method,
    headers: { ...input.headers },
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.rate !== undefined ? { rate: input.rate } : {}),
    startRate: input.startRate ?? LOAD_DEFAULTS.startRate,
    ...(stages !== undefined ? { stages } : {}),
    durationMs,
    maxInFlight: input.maxInFlight ?? LOAD_DEFAULTS.maxInFlight,
    ...(input.connections !== undefined ? { connections: input.connections } : {}),
    timeoutMs: input.timeout !== undefined ? ms(input.timeout) : LOAD_DEFAULTS.timeoutMs,
    expectedStatus: input.expectedStatus ?? LOAD_DEFAULTS.expectedStatus,
    ...(input.id !== undefined ? { id: input.id } : {}),
    ...(input.capture !== undefined ? { capture: input.capture } : {}),
    thresholds: resolveThresholds(input.thresholds),
    workers: input.workers ?? LOAD_DEFAULTS.workers,
  }
}

function resolveThresholds(input: LoadInput['thresholds']): ThresholdSpec[] {
  return Object.entries(input ?? {}).flatMap(([metric, list]) =>
    list.map((t) =>
      typeof t === 'string'
        ? { metric, expression: t, abortOnFail: false, delayAbortEvalMs: 0 }
        : {
            metric,
            expression: t.threshold,
            abortOnFail: t.abortOnFail ?? false,
            delayAbortEvalMs: t.delayAbortEval !== undefined ? ms(t.delayAbortEval) : 0,
          }
    )
  )
}

export interface LoadIssue {
  /** Path inside the `load` object, e.g. ['thresholds', 'http_req_duration', 0]. */
  path: (string | number)[]
  message: string
}

/** Problems the schema does not catch; empty when the load can run. */
export function loadIssues(input: LoadInput): LoadIssue[] {
  const issues: LoadIssue[] = []
  for (const [metric, list] of Object.entries(input.thresholds ?? {})) {
    list.forEach((t, i) => {
      const expression = typeof t === 'string' ? t : t.threshold
      const parsed = parseThreshold(metric, expression)
      if (!parsed.ok) {
        const path =
          typeof t === 'string' ? ['thresholds', metric, i] : ['thresholds', metric, i, 'threshold']
        issues.push({ path, message: parsed.message })
      }
    })
  }
  if (input.expectedStatus !== undefined) {
    const status = parseExpectedStatus(input.expectedStatus)
    if (typeof status === 'string') {
      issues.push({ path: ['expectedStatus'], message: status })
    }
  }
  return issues
}

function ms(text: string): number {
  const value = parseDuration(text)
  if (value === undefined) {
    throw new RangeError(`'${text}' is not a duration (the schema should have caught it)`)
  }
  return value
}
