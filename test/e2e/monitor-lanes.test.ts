/**
 * A monitor's lane on the run's timeline (issue 19), from a real run: examples/monitors/
 * never-back.yaml (a service killed and never restarted, so its monitor fails) runs with the
 * built CLI and `--report DIR`. The report, opened offline in headless Chromium, must show a lane
 * named after the monitor with the states the journal recorded, in order, each segment starting
 * where its transition falls on the timeline's axis, a red marker at the failing transition's
 * time and the failure in words under the lane. The same journal, recorded into a Chaos Center,
 * must show the same lane on the run's page.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Locator, Page } from 'playwright-core'
import type { JournalEvent, JournalEventBody } from '../../src/engine/events.js'
import type { TransitionRecord } from '../../src/monitors/contract.js'
import { repoRoot, workspace, type ManifestRun, type Workspace } from '../support/cli.js'
import { artifactsDir, launchBrowser } from '../support/browser.js'
import { startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { recordRun } from '../support/ui-journals.js'
import { assertAllGone, launchedPids } from '../support/processes.js'
import { loggedInContext } from '../../bench/support/center.js'

const example = path.join(repoRoot, 'examples/monitors')
const yaml = readFileSync(path.join(example, 'never-back.yaml'), 'utf8')

let ws: Workspace
let browser: Browser
let run: ManifestRun

before(async () => {
  ws = workspace()
  ws.write('api.mjs', readFileSync(path.join(example, 'api.mjs'), 'utf8'))
  browser = await launchBrowser()
  run = await ws.runManifest('never-back', yaml, ['--report', path.join(ws.dir, 'report')])
})
after(async () => {
  await browser?.close()
  ws?.cleanup()
})

/** What the journal says, independently of the lane code: states in order and when each began. */
function fromJournal(events: JournalEvent[]) {
  const t0 = events.find((e) => e.type === 'run.started')!.t
  const own: TransitionRecord[] = events.flatMap((e) =>
    e.type === 'monitor.transition' && e.transition.monitor === 'comes-back' ? [e.transition] : []
  )
  const moves = own.filter((t) => t.to !== 'fail' && t.to !== 'accept')
  const stop = own.find((t) => t.to === 'fail')
  assert.ok(stop, 'the monitor failed in the journal')
  const end = events.find((e) => e.type === 'run.ended')!.t
  return {
    states: [own[0]!.from, ...moves.map((t) => t.to)],
    /** Seconds since the run started at which each state after the first began. */
    starts: moves.map((t) => (t.at - t0) / 1000),
    failedAt: (stop.at - t0) / 1000,
    duration: (end - t0) / 1000,
  }
}

/** A point's x on `track`, in CSS px from its left edge. */
async function xOn(track: Locator, point: Locator, edge: 'left' | 'center'): Promise<number> {
  const [t, p] = [await track.boundingBox(), await point.boundingBox()]
  assert.ok(t && p)
  return p.x - t.x + (edge === 'center' ? p.width / 2 : 0)
}

/** The lane of comes-back on `page`: states in order, each where the journal puts it. */
async function assertLane(page: Page, track: Locator, axisSeconds: number) {
  const j = fromJournal(run.events)
  assert.deepEqual(j.states, ['up', 'killed', 'down'], 'the run went as the example says')
  assert.equal(await track.getAttribute('data-verdict'), 'fail')
  const segments = track.locator('.lane-segment')
  assert.deepEqual(await segments.allTextContents(), j.states)
  const states = await Promise.all(
    j.states.map((_, i) => segments.nth(i).getAttribute('data-state'))
  )
  assert.deepEqual(states, j.states)
  const width = (await track.boundingBox())!.width
  const px = (s: number) => (s / axisSeconds) * width
  for (const [i, start] of j.starts.entries()) {
    const x = await xOn(track, segments.nth(i + 1), 'left')
    assert.ok(Math.abs(x - px(start)) < 2, `${j.states[i + 1]} begins at ${px(start)} px (${x})`)
  }
  const marker = track.locator('.lane-marker.fail')
  const x = await xOn(track, marker, 'center')
  assert.ok(Math.abs(x - px(j.failedAt)) < 2, `failure marked at ${px(j.failedAt)} px (${x})`)
  assert.match(
    (await marker.getAttribute('title')) ?? '',
    /^no transition left state 'down' within 3s — down → fail on timeout at \+[\d.]+m?s$/
  )
  assert.match(
    (await page.locator('.lane-failure').textContent()) ?? '',
    /^comes-back failed: no transition left state 'down' within 3s — down → fail on timeout at \+[\d.]+m?s$/
  )
}

describe('a lane per monitor on the run timeline', () => {
  test('the HTML report of never-back shows its monitor lane and the failure', async () => {
    assert.equal(run.exitCode, 1, run.stdout + run.stderr)
    assertAllGone(launchedPids(run.events))
    const file = path.join(ws.dir, 'report', 'report.html')
    assert.ok(existsSync(file))
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const url = pathToFileURL(file).href
    await page.route('**/*', (route) =>
      route.request().url() === url ? route.continue() : route.abort()
    )
    await page.goto(url)
    await page.waitForFunction('window.__ordealReport?.ready || window.__ordealReport?.error')
    assert.equal(await page.evaluate('window.__ordealReport.error'), undefined)
    const track = page.locator('.track.lane-track[data-monitor="comes-back"]')
    assert.equal(await track.count(), 1, 'one lane, named after the monitor')
    // The lane is a row of the timeline: its label sits in the timeline's label column.
    assert.equal(
      await page.locator('.timeline .row .label', { hasText: 'monitor comes-back' }).count(),
      1
    )
    // The report's axis: seconds since the run started, to the run's end.
    await assertLane(page, track, fromJournal(run.events).duration)
    await page.screenshot({
      path: path.join(artifactsDir('monitor-lanes'), 'report.png'),
      fullPage: true,
    })
    await page.close()
  })

  test('the Chaos Center run page shows the same lane from the same journal', async () => {
    let center: ChaosCenter | undefined
    try {
      center = await startChaosCenter()
      const t0 = run.events[0]!.t
      // Recorded as a run of the Chaos Center's, dated from now: transitions move with it.
      const recorded = await recordRun(center, center.ownerToken, yaml, (runId) => {
        const shift = Date.now() - t0
        return run.events.map(({ seq: _seq, t, ...body }) => ({
          body: (body.type === 'monitor.transition' || body.type === 'monitor.ended'
            ? { ...body, transition: { ...body.transition, at: body.transition.at + shift } }
            : body.type === 'run.started'
              ? { ...body, runId }
              : body) as JournalEventBody,
          at: t - t0,
        }))
      })
      const context = await loggedInContext(browser, center.ownerToken)
      const page = await context.newPage()
      await page.goto(`${center.url}/runs/${recorded.id}`)
      const track = page.locator('[data-testid="monitor-lane"][data-monitor="comes-back"]')
      await track.waitFor()
      assert.equal(await page.getByTestId('monitor-lane').count(), 1)
      // No load in this run, so no chart: the lanes' own axis spans the run.
      await assertLane(page, track, fromJournal(run.events).duration)
      await page.screenshot({
        path: path.join(artifactsDir('monitor-lanes'), 'run-page.png'),
        fullPage: true,
      })
      await context.close()
    } finally {
      await center?.dispose()
    }
  })
})
