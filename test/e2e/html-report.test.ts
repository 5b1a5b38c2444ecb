/**
 * `ordeal run --report DIR` on a real experiment (a store behind a load, paused mid-load, a
 * queue check catching dropped items), with the built CLI; the file is opened from file:// in
 * headless Chromium with every request routed: only the file itself may load. The page's
 * `window.__ordealReport` read-out says what each chart holds and where each fault band was
 * drawn, checked against the fault's times in the journal. A second page renders the fixture
 * journal's capacity curve and metric series (no driver emits those events on this branch).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { workspace, type ManifestRun, type Workspace } from '../support/cli.js'
import { artifactsDir, launchBrowser } from '../support/browser.js'
import { reportJournal, reportResult, reportTimes } from '../support/report-journal.js'
import { ReportCollector } from '../../src/report/html/collect.js'
import { reportHtml } from '../../src/report/html/render.js'
import { reportPageScript } from '../../src/report/html/page-asset.js'
import type { ReportReadout } from '../../ui/src/report/readout-types.js'

const store = `import http from 'node:http'
const kept = []
let n = 0
http.createServer((req, res) => {
  if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(kept)); return }
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    const { id } = JSON.parse(body)
    n++
    if (n % 40 !== 0) kept.push(id)
    res.statusCode = 201
    res.end(JSON.stringify({ id }))
  })
}).listen(Number(process.env.PORT), '127.0.0.1')
`

const manifest = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: store-survives-a-pause
spec:
  hypothesis: Every acknowledged item is stored while the store is paused for a second.
  system:
    services:
      - name: store
        command: node
        args: [store.mjs]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}' }
  probes:
    - name: store-port
      type: tcp
      mode: Continuous
      port: '{{services.store.ports.http}}'
      runProperties: { pollingInterval: 200ms, timeout: 300ms }
  steps:
    - parallel:
        - name: writes
          load:
            url: 'http://127.0.0.1:{{services.store.ports.http}}/items'
            method: POST
            headers: { content-type: application/json }
            body: '{"id": "{{uuid}}"}'
            id: '{{uuid}}'
            rate: 40
            duration: 5s
        - serial:
            - wait: 1500ms
            - name: pause-store
              fault: { type: process-pause, target: { service: store }, duration: 1500ms }
  checks:
    - name: items-kept
      type: queue
      load: writes
      source: { http: { url: 'http://127.0.0.1:{{services.store.ports.http}}/items' } }
      drain: { timeout: 2s }
`

let ws: Workspace
let browser: Browser
let run: ManifestRun
let reportDir: string

before(async () => {
  ws = workspace()
  ws.write('store.mjs', store)
  reportDir = path.join(ws.dir, 'out', 'nested')
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  ws.cleanup()
})

/** Opens `file` with every request routed: the file itself loads, anything else is recorded and aborted. */
async function open(
  file: string
): Promise<{ page: Page; others: string[]; readout: ReportReadout }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const url = pathToFileURL(file).href
  const others: string[] = []
  await page.route('**/*', (route) => {
    const asked = route.request().url()
    if (asked === url) {
      return route.continue()
    }
    others.push(asked)
    return route.abort()
  })
  page.on('request', (r) => {
    if (r.url() !== url && !others.includes(r.url())) {
      others.push(r.url())
    }
  })
  await page.goto(url)
  await page.waitForFunction('window.__ordealReport?.ready || window.__ordealReport?.error')
  const readout = (await page.evaluate('window.__ordealReport')) as ReportReadout
  assert.equal(readout.error, undefined)
  return { page, others, readout }
}

/** Every fault band drawn where its time falls on the chart's x scale (±1.5 px). */
function assertBandsAt(
  readout: ReportReadout,
  chart: string,
  expected: { start: number; end: number }[]
) {
  const c = readout.charts[chart]
  assert.ok(c, `chart ${chart} drawn`)
  assert.equal(c.bands.length, expected.length, `${chart}: one band per fault`)
  const px = (s: number) => ((s - c.xMin) / (c.xMax - c.xMin)) * c.width
  expected.forEach((e, i) => {
    const b = c.bands[i]!
    assert.ok(
      Math.abs(b.start - e.start) < 0.002,
      `${chart}: band starts at ${e.start} s (${b.start})`
    )
    assert.ok(Math.abs(b.end - e.end) < 0.002, `${chart}: band ends at ${e.end} s (${b.end})`)
    assert.ok(
      Math.abs(b.left - px(e.start)) < 1.5,
      `${chart}: band drawn at ${px(e.start)} px (${b.left})`
    )
    assert.ok(
      Math.abs(b.right - px(e.end)) < 1.5,
      `${chart}: band ends at ${px(e.end)} px (${b.right})`
    )
  })
}

describe('ordeal run --report DIR', () => {
  test('a bad DIR is one line and exit 2, before anything starts', async () => {
    const file = ws.write('blocker', 'a file, not a directory')
    const yaml = ws.write('bad.yaml', manifest)
    const r = await ws.run(['run', yaml, '--report', path.join(file, 'sub')])
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /^ordeal run: --report .*blocker\/sub: is not a directory\n$/)
    assert.equal(r.stdout, '')
  })

  test('a real run writes one file that opens offline with every chart drawn', async () => {
    run = await ws.runManifest('paused', manifest, ['--report', reportDir])
    assert.equal(run.exitCode, 1, run.stdout + run.stderr)
    const file = path.join(reportDir, 'report.html')
    assert.ok(existsSync(file))
    assert.match(run.stdout, new RegExp(`report: ${file.replace(/[/.]/g, '\\$&')}\n`))

    const { page, others, readout } = await open(file)
    assert.deepEqual(others, [], 'no request leaves the page')
    assert.equal(await page.getByTestId('verdict').textContent(), 'FAIL')
    assert.equal(
      await page.getByTestId('hypothesis').textContent(),
      'Every acknowledged item is stored while the store is paused for a second.'
    )
    for (const id of ['timeline', 'throughput', 'error-rate', 'latency', 'findings']) {
      assert.ok((readout.charts[id]?.points ?? 0) > 0, `${id} has data`)
    }
    // The fault window as the journal has it, in seconds since the run started.
    const t0 = run.events.find((e) => e.type === 'run.started')!.t
    const injected = run.events.find((e) => e.type === 'fault.injected')!.t
    const reverted = run.events.find((e) => e.type === 'fault.reverted')!.t
    const window = [{ start: (injected - t0) / 1000, end: (reverted - t0) / 1000 }]
    for (const chart of ['throughput', 'error-rate', 'latency', 'findings', 'timeline']) {
      assertBandsAt(readout, chart, window)
    }
    const lost = run.result!.checks[0]!.lost
    assert.ok(lost > 0, 'the store dropped items')
    assert.match(
      (await page.locator('[data-check="items-kept"]').textContent()) ?? '',
      new RegExp(`Failed.*${lost}`)
    )
    await page.screenshot({
      path: path.join(artifactsDir('html-report'), 'real-run.png'),
      fullPage: true,
    })
    await page.close()
  })

  test('the capacity curve and metric series render from their journal events', async () => {
    const events = [...reportJournal()]
    const data = new ReportCollector().addAll(events).finish(reportResult(events))
    const file = path.join(ws.dir, 'fixture.html')
    writeFileSync(file, reportHtml(data, reportPageScript()))
    const { page, others, readout } = await open(file)
    assert.deepEqual(others, [])
    for (const id of ['capacity-0-latency', 'capacity-0-errors', 'metric-0', 'findings']) {
      assert.ok((readout.charts[id]?.points ?? 0) > 0, `${id} has data`)
    }
    // Baseline and fault phases: 6 + 5 trials, p50 and p99 each.
    assert.equal(readout.charts['capacity-0-latency']!.points, (6 + 5) * 2)
    assert.deepEqual(
      readout.charts['capacity-0-latency']!.marks!.map((m) => m.rate),
      [600, 300]
    )
    const { faultStart, faultEnd } = reportTimes()
    assertBandsAt(readout, 'metric-0', [{ start: faultStart, end: faultEnd }])
    assert.match(
      (await page.locator('.capacity-summary').textContent()) ?? '',
      /baseline 600 req\/s → with process-kill \(held\) 300 req\/s \(−50 %\)/
    )
    await page.screenshot({
      path: path.join(artifactsDir('html-report'), 'fixture.png'),
      fullPage: true,
    })
    await page.close()
  })
})
