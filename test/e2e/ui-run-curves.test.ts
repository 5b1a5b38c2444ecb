/**
 * The Chaos Center's run page draws a run's metric series and capacity curves (issue 17), with
 * the HTML report's charts: a run is recorded through the API with the report fixture's journal
 * (metric samples, capacity trials: no driver emits them on this branch), then its page is
 * opened in headless Chromium and the charts' read-out checked.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { artifactsDir, launchBrowser } from '../support/browser.js'
import { recordManifest, recordRun } from '../support/ui-journals.js'
import { reportJournal, T0 } from '../support/report-journal.js'
import type { ReportReadout } from '../../ui/src/report/readout-types.js'
import { loggedInContext } from '../../bench/support/center.js'

let center: ChaosCenter
let browser: Browser

before(async () => {
  center = await startChaosCenter()
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await center?.dispose()
})

test('a run with metric samples and capacity trials shows both on its page', async () => {
  // recordRun dates the events from now: the samples' own reading times move with them.
  const run = await recordRun(center, center.ownerToken, recordManifest('curves'), () => {
    const shift = Date.now() - T0
    return [...reportJournal({ seconds: 12, rate: 2 })].map(({ seq: _seq, t, ...body }) => ({
      body:
        body.type === 'metric.sample'
          ? { ...body, sample: { ...body.sample, t: body.sample.t + shift } }
          : body,
      at: t - T0,
    }))
  })
  const context = await loggedInContext(browser, center.ownerToken)
  const page = await context.newPage()
  await page.goto(`${center.url}/runs/${run.id}`)
  await page.getByTestId('run-curves').waitFor()
  await page.waitForFunction(
    "['metric-0', 'capacity-0-latency', 'capacity-0-errors'].every((id) => window.__ordealReport?.charts[id])"
  )
  const readout = (await page.evaluate('window.__ordealReport')) as ReportReadout
  assert.equal(
    readout.charts['metric-0']!.points,
    12,
    'every queue-depth sample, once, inside the time axis'
  )
  assert.equal(readout.charts['capacity-0-latency']!.points, (6 + 5) * 2)
  assert.deepEqual(
    readout.charts['capacity-0-latency']!.marks!.map((m) => m.rate),
    [600, 300]
  )
  const metric = readout.charts['metric-0']!
  assert.equal(metric.bands.length, 1, 'the fault window shaded')
  assert.match(
    (await page.locator('.capacity-summary').textContent()) ?? '',
    /baseline 600 req\/s → with process-kill \(held\) 300 req\/s/
  )
  await page.screenshot({
    path: path.join(artifactsDir('ui-run-curves'), 'run-page.png'),
    fullPage: true,
  })
  await context.close()
})
