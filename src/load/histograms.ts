/**
 * Latency histograms: HdrHistogram (hdr-histogram-js, pure-JS build so nothing has to be freed
 * and worker threads need no WASM instance) recording INTEGER MICROSECONDS. hdr-histogram-js
 * drops the fraction of what it records, so recording milliseconds would turn every sub-ms
 * latency into 0 (autocannon's mistake). Values come back in fractional milliseconds.
 *
 * Worker threads send their histograms as HdrHistogram's compressed base64 encoding; the main
 * thread decodes and adds them, which merges exactly (same bucket layout).
 * @module
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'
import type { LatencySummary } from './contract.js'
import type { Aggregation } from './thresholds.js'

export type { Histogram }

/** 3 significant digits (0.1 %), as wrk2; auto-resizing so a 10-minute timeout still fits. */
export function createHistogram(): Histogram {
  return build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, useWebAssembly: false })
}

/** Records a duration in ms as whole microseconds (at least 1, so min is never an empty 0). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)))
}

export function encodeHistogram(histogram: Histogram): string {
  return histogram.totalCount === 0 ? '' : encodeIntoCompressedBase64(histogram)
}

/** Adds an encoded histogram (from `encodeHistogram`) into `into`. */
export function addEncoded(into: Histogram, encoded: string): void {
  if (encoded === '') {
    return
  }
  const decoded = decodeFromCompressedBase64(encoded, 32, false)
  into.add(decoded)
  decoded.destroy()
}

/** Percentile in ms (0 for an empty histogram). */
export function percentileMs(histogram: Histogram, percentile: number): number {
  return histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000
}

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) {
    return { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, min: 0, avg: 0 }
  }
  return {
    p50: percentileMs(histogram, 50),
    p90: percentileMs(histogram, 90),
    p95: percentileMs(histogram, 95),
    p99: percentileMs(histogram, 99),
    max: histogram.maxValue / 1000,
    min: histogram.minNonZeroValue / 1000,
    avg: histogram.mean / 1000,
  }
}

/** A trend aggregation for thresholds, in ms; undefined when there is no sample. */
export function aggregate(histogram: Histogram, aggregation: Aggregation): number | undefined {
  if (histogram.totalCount === 0) {
    return undefined
  }
  switch (aggregation.kind) {
    case 'avg':
      return histogram.mean / 1000
    case 'min':
      return histogram.minNonZeroValue / 1000
    case 'max':
      return histogram.maxValue / 1000
    case 'med':
      return percentileMs(histogram, 50)
    case 'p':
      return percentileMs(histogram, aggregation.percentile)
    default:
      return undefined
  }
}
