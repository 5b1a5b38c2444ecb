/**
 * `window.__ordealReport`: what the page drew, for the e2e test and the bench to read without
 * scraping canvases (how many points each chart holds, where each fault band was drawn).
 */

import type { ReportReadout } from './readout-types'

export type { BandReadout, ChartReadout, ReportReadout } from './readout-types'

declare global {
  interface Window {
    __ordealReport: ReportReadout
  }
}

export const readout: ReportReadout = { ready: false, charts: {} }
window.__ordealReport = readout

/** Non-null y values whose x falls inside [xMin, xMax]: what the chart can actually show. */
export function countPoints(
  data: readonly ArrayLike<number | null | undefined>[],
  xMin = -Infinity,
  xMax = Infinity
): number {
  const x = data[0]
  let n = 0
  for (const series of data.slice(1)) {
    for (let i = 0; i < series.length; i++) {
      const v = series[i]
      const at = x?.[i]
      if (v === null || v === undefined || !Number.isFinite(v)) {
        continue
      }
      if (at !== null && at !== undefined && at >= xMin && at <= xMax) {
        n++
      }
    }
  }
  return n
}
