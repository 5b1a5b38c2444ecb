/**
 * The HTML report of a 1M-op run (issue 17 aims: < 5 MB, < 2 s to the first chart): a synthetic
 * journal (test/support/report-journal.ts: 1,000 s of load at 500 req/s = 1,000,000 op events,
 * per-second ticks, a probe, a metric, a queue check with 5,000 lost ids, capacity trials) is
 * collected and rendered as `ordeal run --report` does, then opened from file:// in headless
 * Chromium, timing navigation start → first chart drawn (the page's own read-out). Baseline in
 * the same run: the report of a 12-second run of the same shape.
 * Usage: `npm run build && node --import tsx bench/html-report.ts [rounds=5]`
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchBrowser } from '../test/support/browser.js'
import { reportJournal, reportResult } from '../test/support/report-journal.js'
import { ReportCollector } from '../src/report/html/collect.js'
import { reportHtml } from '../src/report/html/render.js'
import { reportPageScript } from '../src/report/html/page-asset.js'
import type { ReportReadout } from '../ui/src/report/readout-types.js'
import { machine, median } from './support/center.js'

const rounds = Number(process.argv[2] ?? 5)
const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-report-'))

interface Case {
  label: string
  ops: number
  file: string
  bytes: number
  buildMs: number
}

function build(label: string, seconds: number, rate: number, lost: number): Case {
  const t0 = performance.now()
  const collector = new ReportCollector()
  let first: number | undefined
  let last = 0
  // Streamed: the journal is never held whole, as the CLI's onEvent sees it.
  for (const e of reportJournal({ seconds, rate, lost, fault: [seconds / 3, seconds / 2] })) {
    first ??= e.t
    last = e.t
    collector.add(e)
  }
  const result = reportResult([])
  result.startedAt = new Date(first!).toISOString()
  result.endedAt = new Date(last).toISOString()
  const data = collector.finish(result)
  const html = reportHtml(data, reportPageScript())
  const buildMs = performance.now() - t0
  const file = path.join(dir, `${label}.html`)
  writeFileSync(file, html)
  return { label, ops: data.ops, file, bytes: statSync(file).size, buildMs }
}

const cases = [build('baseline', 12, 20, 3), build('1M-ops', 1000, 500, 5000)]
const browser = await launchBrowser()
try {
  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]))
  for (let round = 0; round <= rounds; round++) {
    for (const c of cases) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(pathToFileURL(c.file).href)
      await page.waitForFunction('window.__ordealReport?.ready || window.__ordealReport?.error')
      const readout = (await page.evaluate('window.__ordealReport')) as ReportReadout
      if (readout.error || readout.firstChartMs === undefined) {
        throw new Error(`${c.label}: ${readout.error ?? 'no chart drawn'}`)
      }
      if (round > 0) {
        // Round 0 warms the browser up.
        times.get(c.label)!.push(readout.firstChartMs)
      }
      await page.close()
    }
  }
  const base = median(times.get('baseline')!)
  console.log(`${machine()}, median of ${rounds}`)
  console.log('| report | ops | size | build (collect + render) | first chart | vs baseline |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const c of cases) {
    const first = median(times.get(c.label)!)
    console.log(
      `| ${c.label} | ${c.ops.toLocaleString('en')} | ${(c.bytes / 1e6).toFixed(2)} MB | ${Math.round(c.buildMs)} ms | ${Math.round(first)} ms | ${(first / base).toFixed(2)}× |`
    )
  }
} finally {
  await browser.close()
  rmSync(dir, { recursive: true, force: true })
}
