/**
 * The Chaos Center as a user meets it, in headless Chromium against the built CLI's server:
 * log in with the one-time link, create an experiment from a hub template (seeing inline
 * validation on the way), start it, watch it live, read the verdict, score, chart, probes and
 * journal, then the history. Screenshots of each stage land in test-artifacts/chaos-center/.
 * @module
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, Page } from 'playwright-core'
import type { CreatedToken } from '../../src/shared/api.js'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'

describe('Chaos Center UI in headless Chromium', () => {
  let center: ChaosCenter
  let browser: Browser
  let page: Page

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
  })

  test('log in, create from a template, run it live, see verdict, score, chart and history', async () => {
    const shot = screenshotter(page, artifactsDir('chaos-center'))
    // The test harness spent the first start's link on its owner token; `--reset-login` prints
    // a fresh one-time link, as a user who lost theirs would do.
    await center.restart(['--reset-login'])
    assert.ok(center.loginLink, 'a one-time login link is printed')

    // The one-time link logs in by itself and lands on the experiments list.
    await page.goto(center.loginLink)
    await page.getByTestId('experiments-table').waitFor()
    await shot('experiments-empty')

    // Create from the hub's load + kill template.
    await page.getByTestId('new-experiment').click()
    await page.locator('[data-testid="template-card"][data-template-id="load-and-kill"]').click()
    const errors = page.getByTestId('validation-errors')
    await page.getByTestId('yaml-editor').getByText('hub-load-and-kill').first().waitFor()
    await assertNoIssues(page)

    // Inline validation: an unknown field is reported with its line, and Save is disabled.
    await page.locator('[data-testid="yaml-editor"] .cm-content').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('\nbogus: 1')
    await errors.getByText(/bogus/).waitFor()
    assert.match((await errors.textContent()) ?? '', /:\d+:/, 'the issue names its line')
    assert.equal(await page.getByTestId('save-experiment').isDisabled(), true)
    await shot('editor-invalid')
    // Remove the line again: select it, delete it and the newline before it.
    await page.keyboard.press('Control+End')
    await page.keyboard.press('Shift+Home')
    await page.keyboard.press('Backspace')
    await page.keyboard.press('Backspace')
    await assertNoIssues(page)
    await shot('editor-from-template')

    await page.getByTestId('save-experiment').click()
    await page.waitForURL(/\/experiments\/[^/]+$/)
    await page.getByTestId('start-run').click()
    await page.waitForURL(/\/runs\/[^/]+$/)

    // Live: the stream is open, the run is running, load ticks draw the chart.
    await page.getByTestId('live-indicator').waitFor()
    await page.getByTestId('run-status').filter({ hasText: 'running' }).waitFor()
    await page.locator('[data-testid="run-chart"] canvas').first().waitFor()
    await page.getByTestId('journal-row').first().waitFor()
    // Progress while running: ops are counted live and a load second reached the chart.
    await page.locator('[data-testid="run-progress"]:not([data-ops="0"])').waitFor()
    await page.locator('[data-testid="run-chart"] .u-over').waitFor()
    await page.getByText('Waiting for the first second of load').waitFor({ state: 'detached' })
    assert.equal((await page.getByTestId('run-status').textContent())?.trim(), 'running')
    await shot('run-live')

    // One status indicator: `running`, then the verdict.
    await page
      .locator('[data-testid="run-status"][data-status="finished"]')
      .waitFor({ timeout: 90_000 })
    // On a failed verdict, say which probe or threshold failed: a CI log must explain itself.
    const probes = (await page.getByTestId('probe-row').allTextContents()).join(' | ')
    assert.equal((await page.getByTestId('run-status').textContent())?.trim(), 'pass', probes)
    assert.equal((await page.getByTestId('run-score').textContent())?.trim(), '100', probes)
    assert.ok((await page.getByTestId('probe-row').count()) >= 1, 'probe table has rows')
    assert.equal(await page.getByTestId('abort-run').count(), 0, 'no abort button once ended')
    await shot('run-finished')

    // History: the experiment page lists the run and charts its score.
    await page.goBack()
    await page.waitForURL(/\/experiments\/[^/]+$/)
    await page.getByTestId('history-chart').waitFor()
    await page.getByTestId('run-row').first().waitFor()
    assert.equal(await page.getByTestId('run-row').count(), 1)
    // Versions: one page of metadata; v1 is the only one.
    await page.getByTestId('version-row').first().waitFor()
    assert.equal(await page.getByTestId('version-row').count(), 1)
    await shot('history')

    // The list shows the last verdict.
    await page.goto(new URL('/', center.url).href)
    const row = page.locator('[data-testid="experiment-row"][data-name="hub-load-and-kill"]')
    await row.getByText('pass', { exact: true }).waitFor()
    await shot('experiments-after-run')
  })
})

describe('login links in a signed-in browser (login CSRF)', () => {
  let center: ChaosCenter
  let browser: Browser
  let page: Page

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    // Signed in as the owner, as a browser with a session is.
    await page.goto(new URL('/login', center.url).href)
    await page.getByTestId('login-code').fill(center.ownerToken)
    await page.getByTestId('login-submit').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
  })

  let bait: CreatedToken

  test("someone's API token in a login link is refused; the session stays", async () => {
    const user = await createUserWithToken(center, 'viewer', 'mallory')
    const token = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: user.token,
      method: 'POST',
      body: { name: 'bait' },
    })
    bait = token.json
    await page.goto(loginUrl(center, token.json.secret))
    await page
      .getByTestId('login-error')
      .getByText(/does not carry a login code/)
      .waitFor()
    await page.goto(new URL('/', center.url).href)
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
  })

  test("the tokens page says tokens outlive logout; the owner revokes a user's tokens", async () => {
    await page.goto(new URL('/settings', center.url).href)
    await page
      .getByTestId('tokens-outlive-logout')
      .getByText(/keeps working after you log out/)
      .waitFor()
    page.once('dialog', (dialog) => void dialog.accept())
    await page
      .locator('[data-testid="user-row"][data-name="mallory"]')
      .getByTestId('revoke-user-tokens')
      .click()
    await page.getByText('Revoked 2 token(s) of mallory.').waitFor()
    const me = await apiFetch(center.url, '/api/auth/me', { token: bait.secret })
    assert.equal(me.status, 401)
  })

  test('a login link while signed in asks first, naming the current user', async () => {
    const created = await apiFetch<{ loginLink: string }>(center.url, '/api/users', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'trent', role: 'editor' },
    })
    const link = created.json.loginLink
    await page.goto(link)
    await page.getByTestId('login-switch-confirm').waitFor()
    assert.equal(await page.getByTestId('login-current-user').textContent(), 'owner')
    // Staying keeps the session, and the code is not spent.
    await page.getByTestId('login-stay').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
    // Switching uses the code.
    await page.goto(link)
    await page.getByTestId('login-switch').click()
    await page.locator('[data-testid="whoami"][data-name="trent"]').waitFor()
  })
})

function loginUrl(center: ChaosCenter, code: string): string {
  return new URL(`/login?code=${encodeURIComponent(code)}`, center.url).href
}

async function assertNoIssues(page: Page): Promise<void> {
  // Validation is debounced and asynchronous: wait for the list to empty and Save to enable.
  await page.locator('[data-testid="validation-errors"] > *').first().waitFor({ state: 'detached' })
  await page.locator('[data-testid="save-experiment"]:enabled').waitFor()
}
