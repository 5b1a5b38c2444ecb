/**
 * Time to load a run page holding 100,000 events in headless Chromium (issue 7 aims at < 1 s):
 * from navigation until the score, the chart's canvas and the first journal rows are on screen.
 * Baseline in the same run: the same page for a run of 1,000 events, so the ratio shows what
 * the size of the journal costs. Runs are recorded through the API, as `ordeal run --server`
 * does. Usage: `npm run build && node --import tsx bench/run-page.ts [rounds=7]`
 */
import type { Page } from 'playwright-core'
import { startChaosCenter } from '../test/support/chaos-center.js'
import { launchBrowser } from '../test/support/browser.js'
import { syntheticJournal } from './support/synthetic-journal.js'
import {
  finishRun,
  loggedInContext,
  machine,
  median,
  postEvents,
  registerRun,
} from './support/center.js'

const rounds = Number(process.argv[2] ?? 7)

async function loadOnce(page: Page, url: string): Promise<number> {
  const t0 = performance.now()
  await page.goto(url)
  await page.getByTestId('run-score').filter({ hasText: /\d/ }).waitFor({ timeout: 30_000 })
  await page.locator('[data-testid="run-chart"] canvas').first().waitFor({ timeout: 30_000 })
  await page.getByTestId('journal-row').first().waitFor({ timeout: 30_000 })
  await page.getByTestId('probe-row').first().waitFor({ timeout: 30_000 })
  const elapsed = performance.now() - t0
  // Honest numbers only: the chart must have drawn the run's load, not an empty frame.
  if ((await page.locator('.chart-empty').count()) > 0) {
    throw new Error('the chart rendered without load data')
  }
  return elapsed
}

const center = await startChaosCenter()
const browser = await launchBrowser()
try {
  const sizes = [1_000, 100_000]
  const urls: string[] = []
  const counts: number[] = []
  for (const size of sizes) {
    const runId = `page-${size}-${Date.now()}`
    await registerRun(center, runId)
    const events = syntheticJournal({ runId, experiment: 'process-kill', events: size })
    await postEvents(center, runId, events, 5000)
    await finishRun(center, runId)
    urls.push(`${center.url}/runs/${runId}`)
    counts.push(events.length)
  }
  const context = await loggedInContext(browser, center.ownerToken)
  const times: number[][] = sizes.map(() => [])
  // Warm-up: the first navigation pays for Chromium's start and the bundle's first parse.
  await loadOnce(await context.newPage(), urls[0]!)
  for (let r = 0; r < rounds; r++) {
    for (const [i, url] of urls.entries()) {
      const page = await context.newPage()
      times[i]!.push(await loadOnce(page, url))
      await page.close()
    }
  }
  const [small, large] = times.map(median) as [number, number]
  console.log(`# run page load, ${new Date().toISOString()}, ${machine()}`)
  console.log(
    `median of ${rounds} loads (new tab each; navigation → score, chart with data, probe and journal rows)`
  )
  console.log(
    `${counts[0]!.toLocaleString('en-US')} events (baseline): ${small.toFixed(0)} ms  [${times[0]!.map((t) => t.toFixed(0)).join(' ')}]`
  )
  console.log(
    `${counts[1]!.toLocaleString('en-US')} events:           ${large.toFixed(0)} ms  [${times[1]!.map((t) => t.toFixed(0)).join(' ')}]  (${(large / small).toFixed(2)}× baseline; aim < 1000 ms)`
  )
} finally {
  await browser.close()
  await center.dispose()
}
