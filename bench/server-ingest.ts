/**
 * Event ingest into the Chaos Center's SQLite store while the run page is open in headless
 * Chromium and streaming live (issue 7 aims at 5,000 events/s). Events go through the same
 * route `ordeal run --server` uses (HTTP, zod validation, recorder batching, SSE fan-out,
 * metrics), with a realistic mix (mostly ops, one tick a second). Baseline in the same run: the
 * store alone (`appendEvents` in batches of 1,000 into a fresh SQLite file), i.e. the ceiling.
 * Usage: `npm run build && node --import tsx bench/server-ingest.ts [events=200000]`
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openStore } from '../src/server/store/open.js'
import { startChaosCenter, apiFetch, type ChaosCenter } from '../test/support/chaos-center.js'
import { launchBrowser } from '../test/support/browser.js'
import type { Run } from '../src/shared/api.js'
import { syntheticJournal } from './support/synthetic-journal.js'
import { finishRun, loggedInContext, machine, postEvents, registerRun } from './support/center.js'

const total = Number(process.argv[2] ?? 200_000)
const BATCH = 1000

async function storeAlone(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-store-'))
  const store = await openStore({ dataDir: dir })
  try {
    const runId = 'baseline'
    const now = new Date().toISOString()
    await store.createExperiment({
      id: 'e1',
      name: 'baseline',
      hypothesis: 'h',
      yaml: 'x',
      createdBy: 'u',
      createdByName: 'u',
      labels: {},
      createdAt: now,
    })
    await store.createRun({
      id: runId,
      experimentId: 'e1',
      experimentVersion: 1,
      source: 'cli',
      startedBy: 'u',
      startedByName: 'u',
      startedAt: now,
    })
    const events = syntheticJournal({ runId, experiment: 'baseline', events: total })
    const t0 = performance.now()
    for (let i = 0; i < events.length; i += BATCH) {
      await store.appendEvents(runId, events.slice(i, i + BATCH))
    }
    return events.length / ((performance.now() - t0) / 1000)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function throughServer(center: ChaosCenter, withUi: boolean): Promise<number> {
  const runId = `ingest-${withUi ? 'ui' : 'headless'}-${Date.now()}`
  await registerRun(center, runId)
  const events = syntheticJournal({ runId, experiment: 'process-kill', events: total })
  const browser = withUi ? await launchBrowser() : undefined
  try {
    if (browser) {
      const context = await loggedInContext(browser, center.ownerToken)
      const page = await context.newPage()
      await page.goto(`${center.url}/runs/${runId}`)
      await page.getByTestId('live-indicator').waitFor({ state: 'visible', timeout: 15_000 })
    }
    const t0 = performance.now()
    await postEvents(center, runId, events, BATCH)
    // Accepted is not stored: wait until the store holds every event (the recorder batches).
    for (;;) {
      const run = await apiFetch<Run>(center.url, `/api/runs/${runId}`, {
        token: center.ownerToken,
      })
      if (run.json.eventCount >= events.length) {
        break
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    const rate = events.length / ((performance.now() - t0) / 1000)
    await finishRun(center, runId)
    return rate
  } finally {
    await browser?.close()
  }
}

const center = await startChaosCenter()
try {
  const baseline = await storeAlone()
  const headless = await throughServer(center, false)
  const withUi = await throughServer(center, true)
  const f = (n: number) => Math.round(n).toLocaleString('en-US')
  console.log(`# server ingest, ${new Date().toISOString()}, ${machine()}`)
  console.log(`events per run: ${total.toLocaleString('en-US')}, batches of ${BATCH}`)
  console.log(`store alone (baseline):      ${f(baseline)} events/s`)
  console.log(
    `server, no viewer:           ${f(headless)} events/s (${(headless / baseline).toFixed(2)}× baseline)`
  )
  console.log(
    `server, run page streaming:  ${f(withUi)} events/s (${(withUi / baseline).toFixed(2)}× baseline; aim ≥ 5,000)`
  )
} finally {
  await center.dispose()
}
