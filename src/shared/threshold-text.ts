/**
 * A load threshold's comparison in words, with units: `http_req_duration p(99) 2.04 s > 500 ms
 * (p(99)<500)`. Pure and without Node APIs, so the verdict's reasons (src/engine/threshold-reason.ts)
 * and the UI's probe table say the same thing about the same threshold.
 * @module
 */
import type { ThresholdResult } from '../load/contract.js'
import { parseThreshold } from '../load/thresholds.js'
import { formatCount, formatMs, formatPercent, formatRate, sig3 } from './units.js'

/** `12%`, `2.04 s`, `48`, `3.2/s`: a threshold's figure in the unit of its metric. */
export function thresholdFigure(metric: string, aggregation: string, value: number): string {
  if (metric.endsWith('_duration')) {
    return formatMs(value)
  }
  if (metric === 'http_req_failed') {
    return formatPercent(value)
  }
  return aggregation === 'count' ? formatCount(value) : formatRate(value)
}

/** `http_req_failed 12% > 1% (rate<0.01)`: the comparison that failed, with units. */
export function thresholdComparison(t: ThresholdResult): string {
  const parsed = parseThreshold(t.metric, t.expression)
  if (!parsed.ok) {
    return `${t.metric} '${t.expression}' (observed ${sig3(t.observed)})`
  }
  const { aggregation, value } = parsed.threshold
  const kind = aggregation.kind === 'p' ? `p(${aggregation.percentile})` : aggregation.kind
  if (Number.isNaN(t.observed)) {
    return `${t.metric} ${t.expression}: no samples`
  }
  const observed = thresholdFigure(t.metric, aggregation.kind, t.observed)
  const limit = thresholdFigure(t.metric, aggregation.kind, value)
  const relation = t.observed > value ? '>' : t.observed < value ? '<' : '='
  // A rate of failures reads best bare ("12% > 1%"); other aggregations say which they are.
  const label = t.metric === 'http_req_failed' ? '' : `${kind} `
  return `${t.metric} ${label}${observed} ${relation} ${limit} (${t.expression})`
}
