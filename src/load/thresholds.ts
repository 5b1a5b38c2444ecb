/**
 * k6 thresholds (`metrics/thresholds_parser.go`): `<aggregation> <operator> <value>` on one of
 * the generator's metrics, parsed once before the load starts and evaluated against running
 * totals every 2 s and at the end. Messages are one line because `ordeal load` prints them as
 * they are.
 * @module
 */
import type { ThresholdResult, ThresholdSpec } from './contract.js'

export type Aggregation =
  { kind: 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' } | { kind: 'p'; percentile: number }

export type Operator = '>' | '>=' | '<=' | '<' | '==' | '===' | '!='

export interface ParsedThreshold {
  metric: MetricName
  expression: string
  aggregation: Aggregation
  operator: Operator
  value: number
}

type MetricKind = 'trend' | 'rate' | 'counter'

const kMetrics = {
  /** Response time (from the intended send), ms. */
  http_req_duration: 'trend',
  /** Service time (from the actual send), ms. */
  http_req_service_duration: 'trend',
  http_req_failed: 'rate',
  http_reqs: 'counter',
  dropped_iterations: 'counter',
} as const satisfies Record<string, MetricKind>

export type MetricName = keyof typeof kMetrics
export const METRIC_NAMES = Object.keys(kMetrics) as MetricName[]

const kAllowed: Record<MetricKind, string> = {
  trend: 'avg, min, max, med or p(N)',
  rate: 'rate',
  counter: 'count or rate',
}

const kExpression = /^\s*([A-Za-z_][\w]*(?:\(\s*[^)]*\))?)\s*(===|==|!=|>=|<=|>|<)\s*(\S+)\s*$/
const kNumber = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i

export function parseThreshold(
  metric: string,
  expression: string
): { ok: true; threshold: ParsedThreshold } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message })
  if (metric.includes('{')) {
    return fail(`tag filters are not supported in '${metric}' (use the bare metric name)`)
  }
  if (!Object.hasOwn(kMetrics, metric)) {
    return fail(`unknown metric '${metric}' (use one of ${METRIC_NAMES.join(', ')})`)
  }
  const name = metric as MetricName
  const kind: MetricKind = kMetrics[name]
  const match = kExpression.exec(expression)
  if (!match) {
    return fail(`'${expression}' is not '<aggregation> <operator> <value>' (e.g. ${example(kind)})`)
  }
  const [, rawAggregation = '', operator = '', rawValue = ''] = match
  const aggregation = parseAggregation(rawAggregation, kind, name)
  if (typeof aggregation === 'string') {
    return fail(aggregation)
  }
  if (!kNumber.test(rawValue)) {
    return fail(`'${rawValue}' in '${expression}' is not a number`)
  }
  return {
    ok: true,
    threshold: {
      metric: name,
      expression,
      aggregation,
      operator: operator as Operator,
      value: Number(rawValue),
    },
  }
}

function parseAggregation(text: string, kind: MetricKind, metric: string): Aggregation | string {
  const percentile = /^p\(\s*([^)]*?)\s*\)$/.exec(text)
  if (percentile) {
    const n = Number(percentile[1])
    if (kind !== 'trend') {
      return `aggregation '${text}' does not apply to ${metric} (use ${kAllowed[kind]})`
    }
    if (percentile[1] === '' || !Number.isFinite(n) || n < 0 || n > 100) {
      return `percentile in '${text}' must be a number from 0 to 100`
    }
    return { kind: 'p', percentile: n }
  }
  const known = ['avg', 'min', 'max', 'med', 'rate', 'count']
  if (known.includes(text)) {
    const applies =
      kind === 'trend'
        ? ['avg', 'min', 'max', 'med'].includes(text)
        : kind === 'rate'
          ? text === 'rate'
          : text === 'count' || text === 'rate'
    return applies
      ? ({ kind: text } as Aggregation)
      : `aggregation '${text}' does not apply to ${metric} (use ${kAllowed[kind]})`
  }
  const hint = /^p(\d+(\.\d+)?)$/.exec(text)
  const use = hint && kind === 'trend' ? `p(${hint[1]})` : kAllowed[kind]
  return `unknown aggregation '${text}' for ${metric} (use ${use})`
}

function example(kind: MetricKind): string {
  return kind === 'trend' ? "'p(95)<200'" : kind === 'rate' ? "'rate<0.01'" : "'count==0'"
}

/** What a threshold is evaluated against: running totals (times in ms). */
export interface MetricSource {
  /** Trend aggregations in ms, or undefined when there is no sample yet. */
  trend(
    metric: 'http_req_duration' | 'http_req_service_duration',
    a: Aggregation
  ): number | undefined
  /** Completions so far, and how many were not ok. */
  completed: number
  failed: number
  sent: number
  dropped: number
  /** Seconds since the load started, for counter rates. */
  elapsedSeconds: number
}

/**
 * Evaluates one threshold. A threshold whose metric has no sample yet passes, as in k6
 * (`observed` is then NaN, which JSON writes as null).
 */
export function evaluateThreshold(t: ParsedThreshold, source: MetricSource): ThresholdResult {
  const observed = observe(t, source)
  const ok = observed === undefined || compare(observed, t.operator, t.value)
  return { metric: t.metric, expression: t.expression, ok, observed: observed ?? Number.NaN }
}

function observe(t: ParsedThreshold, s: MetricSource): number | undefined {
  switch (t.metric) {
    case 'http_req_duration':
    case 'http_req_service_duration':
      return s.trend(t.metric, t.aggregation)
    case 'http_req_failed':
      return s.completed === 0 ? undefined : s.failed / s.completed
    case 'http_reqs':
    case 'dropped_iterations': {
      const count = t.metric === 'http_reqs' ? s.sent : s.dropped
      if (t.aggregation.kind === 'count') {
        return count
      }
      return s.elapsedSeconds > 0 ? count / s.elapsedSeconds : undefined
    }
  }
}

function compare(a: number, op: Operator, b: number): boolean {
  switch (op) {
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '==':
    case '===':
      return a === b
    case '!=':
      return a !== b
  }
}

/** Parses every threshold of a spec, or returns the first problem as `metric: expression: why`. */
export function parseThresholds(
  specs: ThresholdSpec[]
): { ok: true; thresholds: ParsedThreshold[] } | { ok: false; message: string } {
  const thresholds: ParsedThreshold[] = []
  for (const spec of specs) {
    const parsed = parseThreshold(spec.metric, spec.expression)
    if (!parsed.ok) {
      return {
        ok: false,
        message: `threshold ${spec.metric}: '${spec.expression}': ${parsed.message}`,
      }
    }
    thresholds.push(parsed.threshold)
  }
  return { ok: true, thresholds }
}
