/**
 * Prometheus probe: an instant query (`/api/v1/query`); the first sample's value is compared
 * as a float (as Litmus's promProbe does). No samples is a failure: an absent series usually
 * means the target is down or the query is wrong, not that all is well.
 * @module
 */
import { renderTemplate } from '../../shared/template.js'
import { compare, describeComparator } from '../comparator.js'
import type { ComparatorInput } from '../../experiment/schema-parts.js'
import { defineProbe } from '../contract.js'
import { abortMessage, attemptSignal, errorMessage, excerpt, failed } from '../attempt.js'

/** A query answer is small; anything bigger is not worth parsing for one sample. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

interface QueryResponse {
  status?: string
  errorType?: string
  error?: string
  data?: { resultType?: string; result?: unknown }
}

export const prometheusProbe = defineProbe({
  type: 'prometheus',

  describe(params) {
    return `prometheus ${params.endpoint}: ${params.query} ${describeComparator(params.comparator)}`
  },

  async check(params, ctx) {
    let url: string
    try {
      const endpoint = renderTemplate(params.endpoint, ctx.vars).replace(/\/+$/, '')
      const query = renderTemplate(params.query, ctx.vars)
      url = `${endpoint}/api/v1/query?query=${encodeURIComponent(query)}`
    } catch (err) {
      return failed(errorMessage(err))
    }

    const signal = attemptSignal(ctx)
    let status: number
    let text: string
    try {
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } })
      status = response.status
      const length = Number(response.headers.get('content-length') ?? 0)
      if (length > MAX_RESPONSE_BYTES) {
        await response.body?.cancel().catch(() => undefined)
        return failed(`response of ${length} bytes is too large for one sample`)
      }
      text = await response.text()
    } catch (err) {
      return failed(signal.aborted ? abortMessage(signal, ctx) : errorMessage(err))
    }

    // Prometheus answers errors (bad query, timeout) with JSON too, under a 4xx/5xx status.
    let body: QueryResponse
    try {
      body = JSON.parse(text) as QueryResponse
    } catch {
      return failed(`status ${status}, not a Prometheus API answer: ${excerpt(text, 80)}`)
    }
    if (body.status !== 'success') {
      const why = [body.errorType, body.error].filter(Boolean).join(': ') || `status ${status}`
      return failed(`query failed: ${why}`)
    }

    const sample = firstSample(body.data)
    if (typeof sample === 'string') {
      return failed(sample.slice(1))
    }
    if (sample === undefined) {
      return failed('query returned no samples')
    }
    const result = compare(asFloat(params.comparator), sample.value)
    const more = sample.count > 1 ? ` (first of ${sample.count} series)` : ''
    return { passed: result.passed, message: `${result.message}${more}`, value: sample.value }
  },
})

/** Sample values are floats; an `int` comparator would reject `0.5` or `NaN` for no reason. */
function asFloat(comparator: ComparatorInput): ComparatorInput {
  return comparator.type === 'int' ? { ...comparator, type: 'float' } : comparator
}

/**
 * The first sample's value (a string, as Prometheus sends it), how many series there were,
 * or a message prefixed with `!` for an answer that cannot be read.
 */
function firstSample(
  data: QueryResponse['data']
): { value: string; count: number } | `!${string}` | undefined {
  const result = data?.result
  switch (data?.resultType) {
    case 'vector': {
      const series = Array.isArray(result) ? (result as { value?: unknown }[]) : []
      const value = pairValue(series[0]?.value)
      return value === undefined ? undefined : { value, count: series.length }
    }
    case 'matrix': {
      // A range selector: take the latest point of the first series.
      const series = Array.isArray(result) ? (result as { values?: unknown }[]) : []
      const points = Array.isArray(series[0]?.values) ? (series[0].values as unknown[]) : []
      const value = pairValue(points[points.length - 1])
      return value === undefined ? undefined : { value, count: series.length }
    }
    case 'scalar':
    case 'string': {
      const value = pairValue(result)
      return value === undefined ? undefined : { value, count: 1 }
    }
    default:
      return `!unexpected result type ${JSON.stringify(data?.resultType)}`
  }
}

/** `[timestamp, "value"]` → `"value"`. */
function pairValue(pair: unknown): string | undefined {
  if (Array.isArray(pair) && pair.length === 2) {
    const value: unknown = pair[1]
    return typeof value === 'string' ? value : value === undefined ? undefined : String(value)
  }
  return undefined
}
