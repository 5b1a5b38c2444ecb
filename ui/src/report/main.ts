/**
 * The HTML report's page (bundled by ui/report.vite.config.ts into dist/report-page/report.js and
 * inlined by src/report/html/render.ts): reads the embedded JSON and draws the sections. No
 * network: uPlot and the styles are in the bundle.
 */
import uplotCss from 'uplot/dist/uPlot.min.css?inline'
import reportCss from './report.css?inline'
import type { ReportData } from '../../../src/report/html/data'
import { capacityCharts } from './capacity-chart'
import { checksTable } from './checks'
import { capturesTable } from './captures'
import { readout } from './readout'
import { findingsChart, loadCharts, metricCharts } from './series-charts'
import { el, timeline } from './timeline'

function main(): void {
  const style = document.createElement('style')
  style.textContent = `${uplotCss}\n${reportCss}`
  document.head.append(style)
  const source = document.getElementById('ordeal-report-data')
  const host = document.getElementById('report')
  if (!source || !host) {
    throw new Error('the report has no data')
  }
  const report = JSON.parse(source.textContent ?? '{}') as ReportData
  const section = (title: string) => {
    const s = el('section', 'card')
    s.append(el('h2', '', title))
    host.append(s)
    return s
  }
  timeline(section('Timeline'), report)
  if (report.load.time.length > 0) {
    loadCharts(section('Load'), report)
  }
  if (report.metrics.length > 0) {
    metricCharts(section('Metrics'), report)
  }
  if (report.capacity.length > 0) {
    const s = section('Capacity')
    report.capacity.forEach((c, i) => capacityCharts(s, c, i))
  }
  if (report.checks.length > 0) {
    const s = section('Checks')
    findingsChart(s, report)
    checksTable(s, report)
  }
  if ((report.captures?.length ?? 0) > 0) {
    capturesTable(section('Captures'), report)
  }
  const foot = el(
    'footer',
    'muted small',
    `${report.events} journal events, ${report.ops} operations (not embedded) · run ${report.runId} · ordeal`
  )
  if (report.warnings.length > 0) {
    const w = section('Warnings')
    for (const line of report.warnings) {
      w.append(el('p', 'mono small', line))
    }
  }
  host.append(foot)
  readout.ready = true
}

try {
  main()
} catch (error) {
  readout.error = String(error)
  document.body.append(el('pre', 'error', `report page error: ${String(error)}`))
}
