/**
 * The UI's side of remote agents in headless Chromium against the built CLI's server: the
 * Agents page (its nav item, its empty state), the Run button's placement picker, and where
 * each run ran in the runs table. The full agent flow (a connected agent, a queued run, a run
 * placed on it) is WP6's, with real agents. Screenshots land in test-artifacts/chaos-center-agents/.
 * @module
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import type { Experiment } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'
import { recordManifest, recordRun, spaced } from '../support/ui-journals.js'
import { passingRun } from '../support/journal-fixtures.js'

describe('the Agents page and run placement in headless Chromium', () => {
  let center: ChaosCenter
  let browser: Browser
  let page: Page
  let shot: (step: string) => Promise<string>

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
    shot = screenshotter(page, artifactsDir('chaos-center-agents'))
    await page.goto(new URL('/login', center.url).href)
    await page.getByTestId('login-code').fill(center.ownerToken)
    await page.getByTestId('login-submit').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
  })

  test('the nav leads to /agents, which says how to connect the first agent', async (t) => {
    const listed = await apiFetch(center.url, '/api/agents', { token: center.ownerToken })
    if (listed.status === 404) {
      t.skip('GET /api/agents is not in this build yet (WP2)')
      return
    }
    await page.getByTestId('nav-agents').click()
    await page.waitForURL(/\/agents$/)
    const empty = page.getByTestId('agents-empty')
    await empty.waitFor()
    assert.match((await empty.textContent()) ?? '', /ordeal agent --server URL --token-file FILE/)
    await shot('agents-empty')
  })

  test('the Run button offers this server first, and any agent by labels; bad labels are named', async () => {
    const name = 'placement-picker'
    await recordRun(center, center.ownerToken, recordManifest(name), (id) =>
      spaced(passingRun(id, name))
    )
    const list = await apiFetch<Experiment[]>(center.url, '/api/experiments', {
      token: center.ownerToken,
    })
    const experiment = list.json.find((e) => e.name === name)!
    await page.goto(new URL(`/experiments/${experiment.id}`, center.url).href)
    const select = page.getByTestId('run-placement')
    await select.waitFor()
    assert.equal(await select.inputValue(), 'server')
    const options = await select.locator('option').allTextContents()
    assert.equal(options[0], 'this server')
    assert.equal(options.at(-1), 'any agent with labels…')
    // The recorded run ran in a CLI: the runs table says where.
    const where = page.locator('[data-testid="run-row-where"]').first()
    assert.equal(await where.getAttribute('data-source'), 'cli')
    assert.equal((await where.textContent())?.trim(), 'cli')

    await select.selectOption('labels')
    await page.getByTestId('run-labels').fill('zone')
    await page.getByTestId('start-run').click()
    await page.getByRole('alert').getByText("labels: 'zone' must look like key=value").waitFor()
    assert.match(page.url(), /\/experiments\//, 'nothing started')
    await shot('placement-labels-error')
  })
})
