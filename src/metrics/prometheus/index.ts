/**
 * `prometheus`: an instant query (`/api/v1/query`) that must answer one value. Unlike the
 * prometheus probe (which compares the first series), a series of a time series must be one
 * thing: several series are an error naming the count (aggregate them with `sum()`), none is
 * a gap (the target is down or the query wrong).
 * @module
 */
import { renderTemplate } from '../../shared/template.js'
import type { MetricSource } from '../contract.js'
import type { PrometheusSourceInput } from '../schema.js'
import { getJson } from '../http-json.js'

interface QueryAnswer {
  status?: string
  errorType?: string
  error?: string
  data?: { resultType?: string; result?: unknown }
}

export const prometheusSource: MetricSource<PrometheusSourceInput> = {
  kind: 'prometheus',

  describe(params) {
    return `prometheus ${params.query}`
  },

  async read(params, ctx) {
    const base = renderTemplate(params.url, ctx.vars).replace(/\/+$/, '')
    const query = renderTemplate(params.query, ctx.vars)
    const { status, body } = await getJson(
      `${base}/api/v1/query?query=${encodeURIComponent(query)}`,
      ctx.signal
    )
    // Prometheus answers errors (bad query, timeout) with JSON too, under a 4xx/5xx status.
    const answer = (body ?? {}) as QueryAnswer
    if (answer.status !== 'success') {
      const why = [answer.errorType, answer.error].filter(Boolean).join(': ') || `status ${status}`
      throw new Error(`query failed: ${why}`)
    }
    return singleValue(answer.data)
  },
}

/** The one value of a scalar or a one-series vector. */
export function singleValue(data: QueryAnswer['data']): number {
  const result = data?.result
  let pair: unknown
  if (data?.resultType === 'scalar') {
    pair = result
  } else if (data?.resultType === 'vector') {
    const series = Array.isArray(result) ? (result as { value?: unknown }[]) : []
    if (series.length === 0) {
      throw new Error('the query returned no series')
    }
    if (series.length > 1) {
      throw new Error(
        `the query returned ${series.length} series, not one: aggregate them (sum(...))`
      )
    }
    pair = series[0]!.value
  } else {
    throw new Error(`the query returned a ${String(data?.resultType)}, not a scalar or a vector`)
  }
  const text: unknown = Array.isArray(pair) ? pair[1] : undefined
  const value = typeof text === 'string' ? Number(text) : NaN
  if (!Number.isFinite(value)) {
    throw new Error(`the query returned ${JSON.stringify(text)}, not a number`)
  }
  return value
}
