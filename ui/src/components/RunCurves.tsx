/**
 * The run page's metric series and capacity curves, once the run has ended: the HTML report's
 * own charts (ui/src/report/), drawn from the same data the report embeds (the report's
 * collector folds the events the page already reads), so the two always agree.
 */
import { useEffect, useRef } from 'react'
import type { ReportData } from '../../../src/report/html/data'
import { capacityCharts } from '../report/capacity-chart'
import { metricCharts } from '../report/series-charts'

export function hasCurves(data: ReportData | undefined): data is ReportData {
  return data !== undefined && (data.metrics.length > 0 || data.capacity.length > 0)
}

export function RunCurves({ data }: { data: ReportData }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = host.current!
    const plots = [
      ...metricCharts(el, data),
      ...data.capacity.flatMap((c, i) => capacityCharts(el, c, i)),
    ]
    return () => {
      // uPlot keeps every plot in its cursor-sync group and a window listener until destroy():
      // removing the elements alone would leak each chart, with its data, on every re-render.
      for (const u of plots) {
        u.destroy()
      }
      el.replaceChildren()
    }
  }, [data])
  return <div ref={host} className="card run-curves" data-testid="run-curves" />
}
