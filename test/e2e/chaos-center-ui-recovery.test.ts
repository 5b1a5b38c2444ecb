/**
 * A recorded run whose fault reports workload recoveries (journal `fault.recovery`): the run
 * page's fault row shows each one, in headless Chromium against the built server; the server's
 * ingest refuses a recovery event without its workload, naming the field.
 * @module
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import type { JournalEventBody } from '../../src/engine/events.js'
import type { RunResult } from '../../src/shared/result.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'
import { passingRun } from '../support/journal-fixtures.js'
import { recordManifest, recordRun, spaced } from '../support/ui-journals.js'

/** The fixture's passing run, with two recoveries reported before the fault's revert. */
function withRecoveries(runId: string, name: string): JournalEventBody[] {
  const bodies = passingRun(runId, name)
  const reverted = bodies.findIndex((b) => b.type === 'fault.reverted')
  bodies.splice(
    reverted,
    0,
    {
      type: 'fault.recovery',
      faultId: 'kill',
      workload: 'deployment/orders',
      recovered: true,
      ms: 4200,
    },
    {
      type: 'fault.recovery',
      faultId: 'kill',
      workload: 'statefulset/db',
      recovered: false,
      reason: 'not fully available within 2m (1 of 3 replicas available)',
    }
  )
  return bodies
}

describe('workload recovery on the run page in headless Chromium', () => {
  let center: ChaosCenter
  let browser: Browser
  let page: Page

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    await page.goto(new URL('/login', center.url).href)
    await page.getByTestId('login-code').fill(center.ownerToken)
    await page.getByTestId('login-submit').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
  })

  test('the fault row says which workload recovered in how long, and which did not', async () => {
    const name = 'recovery-shown'
    const run = await recordRun(center, center.ownerToken, recordManifest(name), (id) =>
      spaced(withRecoveries(id, name))
    )
    await page.goto(new URL(`/runs/${run.id}`, center.url).href)
    const rows = page.getByTestId('fault-recovery')
    await rows.nth(1).waitFor()
    assert.deepEqual(await rows.allTextContents(), [
      'deployment/orders recovered in 4.2 s',
      'statefulset/db NOT recovered: not fully available within 2m (1 of 3 replicas available)',
    ])
    assert.equal(await rows.nth(1).getAttribute('data-recovered'), 'false')
    // The result (the JSON download) and the JUnit download carry them too.
    const json = await apiFetch<RunResult>(center.url, `/api/runs/${run.id}/result.json`, {
      token: center.ownerToken,
    })
    assert.deepEqual(
      json.json.faults[0]?.recovery?.map((r) => [r.workload, r.recovered, r.ms]),
      [
        ['deployment/orders', true, 4200],
        ['statefulset/db', false, undefined],
      ]
    )
    const junit = await apiFetch(center.url, `/api/runs/${run.id}/junit.xml`, {
      token: center.ownerToken,
    })
    assert.match(junit.text, /name="recovery of deployment\/orders" time="4\.200"/)
    await screenshotter(page, artifactsDir('chaos-center-recovery'))('run-page')
  })

  test('a recovery event without its workload is refused, naming the field', async () => {
    const runId = 'recovery-bad'
    const recorded = await apiFetch(center.url, '/api/runs/record', {
      token: center.ownerToken,
      method: 'POST',
      body: { yaml: recordManifest('recovery-bad'), runId },
    })
    assert.equal(recorded.status, 201, recorded.text)
    const sent = await apiFetch(center.url, `/api/runs/${runId}/events`, {
      token: center.ownerToken,
      method: 'POST',
      body: {
        events: [{ seq: 0, t: 1, type: 'fault.recovery', faultId: 'kill', recovered: true }],
      },
    })
    assert.equal(sent.status, 400)
    assert.match(sent.text, /events\[0\]\.workload/)
  })
})
