/**
 * The shape of `window.__ordealReport` (readout.ts), DOM-free so Node tests can import it.
 */
export interface BandReadout {
  label: string
  /** Seconds since the run started. */
  start: number
  end: number
  /** CSS pixels from the plot area's left edge. */
  left: number
  right: number
}

export interface ChartReadout {
  kind: 'time' | 'capacity' | 'timeline'
  /** Non-null y values across the chart's series. */
  points: number
  bands: BandReadout[]
  /** The x scale and the plot area's width in CSS pixels, to check a band's position. */
  xMin: number
  xMax: number
  width: number
  /** Capacity charts: the sustainable rates marked, by phase. */
  marks?: { label: string; rate: number; left: number }[]
  /** Capacity charts: the rates where a trial had no request complete (drawn as a cross). */
  noCompletion?: { rate: number; left: number }[]
}

export interface ReportReadout {
  ready: boolean
  /** performance.now() when the first chart was drawn. */
  firstChartMs?: number
  charts: Record<string, ChartReadout>
  error?: string
}
