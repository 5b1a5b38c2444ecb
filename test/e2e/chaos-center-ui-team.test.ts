/**
 * The Chaos Center as a team shares it, in headless Chromium against the built CLI's server:
 * users managed from Settings, a run page that reads like the CLI (one status, the API's score,
 * +seconds, gaps, fault bands, files to download), the experiment history on a time axis with
 * version markers and who did what, the list's search / labels / running indicator, the global
 * runs timeline, and one date format on every page. Runs are recorded through the API (as
 * `ordeal run --server` does), so each page has a chosen shape without running anything.
 *
 * Tests named `[api §5]` need the server side of issue 13 §5 (the API contract's new fields and
 * routes: names, `createdVia`/`startedVia`, labels, login links, downloads); they fail on a
 * server without it, and pass once both branches are merged.
 * @module
 */
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { CreatedToken, Experiment, Run, RunSummary, User } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'
import { passingRun } from '../support/journal-fixtures.js'
import { loadRunJournal, recordManifest, recordRun, spaced } from '../support/ui-journals.js'

/** `2026-12-06 23:14:05`: the UI's one date format (ui/src/format.ts). */
const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/

describe('Chaos Center UI for a team, in headless Chromium', () => {
  let center: ChaosCenter
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let shot: (step: string) => Promise<string>
  /** The load run: 62.5, a toxic window, a stall, 250 ops. */
  let loadRun: RunSummary
  /** A run without load. */
  let quietRun: RunSummary
  let ciToken: CreatedToken

  const api = <T>(p: string, options: { method?: string; body?: unknown; token?: string } = {}) =>
    apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })
  const goto = (p: string) => page.goto(new URL(p, center.url).href)

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
    shot = screenshotter(page, artifactsDir('chaos-center-team'))
    await goto('/login')
    await page.getByTestId('login-code').fill(center.ownerToken)
    await page.getByTestId('login-submit').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
    // CI's token: what it records shows as "owner (token ci-deploy)".
    const created = await api<CreatedToken>('/api/tokens', {
      method: 'POST',
      body: { name: 'ci-deploy' },
    })
    assert.equal(created.status, 201, created.text)
    ciToken = created.json
    loadRun = await recordRun(center, ciToken.secret, recordManifest('checkout-latency'), (id) =>
      loadRunJournal(id, 'checkout-latency', 250)
    )
    quietRun = await recordRun(center, center.ownerToken, recordManifest('quiet-kill'), (id) =>
      spaced(passingRun(id, 'quiet-kill'))
    )
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
  })

  test('Settings > Users: add a user (the one-time link signs them in), change a role, remove', async () => {
    await goto('/settings')
    const card = page.getByTestId('users-card')
    await card.getByTestId('new-user-name').fill('alice')
    await card.getByTestId('new-user-role').selectOption('viewer')
    await card.getByTestId('add-user').click()
    const link = (await card.getByTestId('login-link').textContent())?.trim() ?? ''
    assert.match(link, /\/login\?code=ordl_login_/)
    const alice = card.locator('[data-testid="user-row"][data-name="alice"]')
    await alice.waitFor()
    assert.equal(await alice.getAttribute('data-role'), 'viewer')
    await shot('users-added')

    // The link works in another browser: alice is signed in.
    const other = await browser.newContext()
    const theirs = await other.newPage()
    await theirs.goto(link)
    await theirs.locator('[data-testid="whoami"][data-name="alice"]').waitFor()
    await other.close()

    // Promote her to editor: the API agrees.
    await alice.getByTestId('user-role').selectOption('editor')
    await card.locator('[data-testid="user-row"][data-name="alice"][data-role="editor"]').waitFor()
    const users = await api<User[]>('/api/users')
    assert.equal(users.json.find((u) => u.name === 'alice')?.role, 'editor')

    // The owner cannot remove themself from here; alice can be removed.
    const me = card.locator('[data-testid="user-row"][data-name="owner"]')
    assert.equal(await me.getByTestId('remove-user').isDisabled(), true)
    page.once('dialog', (d) => void d.accept())
    await alice.getByTestId('remove-user').click()
    await alice.waitFor({ state: 'detached' })
    const after = await api<User[]>('/api/users')
    assert.equal(
      after.json.some((u) => u.name === 'alice'),
      false
    )
  })

  test('[issue 14] Settings > API tokens: an owner makes an agent token, named after the agent', async () => {
    await goto('/settings')
    const name = page.getByTestId('token-name')
    await page.getByTestId('token-role').selectOption('agent')
    // Not an agent's name: the form does not send it.
    await name.fill('Edge 1')
    // (No DOM types in the tests' tsconfig: the element is read as the shape used.)
    const valid = () =>
      name.evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)
    assert.equal(await valid(), false)
    await name.fill('edge-1')
    await page.getByTestId('create-token').click()
    const secret = (await page.getByTestId('created-secret').textContent())?.trim() ?? ''
    assert.match(secret, /^ordl_tok_/)
    assert.equal(
      (await page.getByTestId('agent-token-usage').textContent())?.includes(
        `ordeal agent --server ${center.url} --token-file edge-1.token`
      ),
      true
    )
    await page.locator('[data-testid="token-row"][data-name="edge-1"][data-role="agent"]').waitFor()
    await shot('agent-token')
    // The secret is an agent's: authenticated, and refused everywhere but the agent routes.
    const me = await apiFetch<{ message: string }>(center.url, '/api/auth/me', { token: secret })
    assert.equal(me.status, 403, me.text)
    assert.equal(me.json.message, 'requires role viewer; token has agent')
  })

  test('[api §5] Settings > Users: a new login link for a user who lost theirs', async () => {
    const created = await api<{ user: User; loginLink: string }>('/api/users', {
      method: 'POST',
      body: { name: 'bob', role: 'viewer' },
    })
    assert.equal(created.status, 201, created.text)
    await goto('/settings')
    const bob = page.locator('[data-testid="user-row"][data-name="bob"]')
    page.once('dialog', (d) => void d.accept())
    await bob.getByTestId('user-login-link').click()
    const notice = page.getByTestId('login-link-notice')
    await notice.getByText('New login link for').waitFor()
    const link = (await notice.getByTestId('login-link').textContent())?.trim() ?? ''
    assert.match(link, /\/login\?code=ordl_login_/)
    assert.notEqual(link, created.json.loginLink)
    const other = await browser.newContext()
    const theirs = await other.newPage()
    await theirs.goto(link)
    await theirs.locator('[data-testid="whoami"][data-name="bob"]').waitFor()
    await other.close()
  })

  test('run page: one status, the API score (62.5), +seconds axis, a latency panel, ops hidden, a last page', async () => {
    await goto(`/runs/${loadRun.id}`)
    const status = page.getByTestId('run-status')
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor()
    assert.equal(await status.count(), 1, 'one status indicator')
    assert.equal((await status.textContent())?.trim(), 'fail')
    assert.equal(await page.locator('.badge').count(), 1, 'no second badge beside it')

    const run = await api<Run>(`/api/runs/${loadRun.id}`)
    assert.equal(run.json.score, 62.5)
    assert.equal((await page.getByTestId('run-score').textContent())?.trim(), '62.5')

    // Two panels sharing the x axis, in seconds from the run start like the steps and journal.
    await page.locator('[data-testid="run-chart"] canvas').waitFor()
    const latency = page.getByTestId('latency-chart')
    await latency.locator('canvas').waitFor()
    // Hovering reads the legend: the run ended at +11.05 s, the toxic spans +3..+6 s (p99 over
    // 300 ms), no request completed at +6 s and +7 s (the stall).
    const legend = (series: string) =>
      latency.locator('.u-legend .u-series').filter({ hasText: series }).locator('.u-value')
    const hover = async (seconds: number) => {
      const box = (await latency.locator('.u-over').boundingBox())!
      await page.mouse.move(box.x + (box.width * seconds) / 11.05, box.y + box.height / 2)
    }
    await hover(4.1)
    // Offsets read +4.1 s as in the journal and the verdict's reasons; latencies as the CLI's.
    assert.match((await legend('time').textContent()) ?? '', /^\+4\.\d s$/)
    assert.match((await legend('p99').textContent()) ?? '', /^3[12]0 ms$/)
    await hover(6.1)
    assert.match((await legend('time').textContent()) ?? '', /^\+6\.\d s$/)
    assert.equal((await legend('p99').textContent())?.trim(), '—', 'a gap, not a p99 of 0')
    await hover(9.1)
    assert.match((await legend('p99').textContent()) ?? '', /^3(\.\d+)? ms$/)
    await shot('run-load-toxic')

    // Ops hidden by default; the non-op journal fits one page: "Load more" is off at the end.
    const hideOps = page.getByTestId('hide-ops')
    assert.equal(await hideOps.isChecked(), true)
    const loadMore = page.getByTestId('journal-load-more')
    await page.locator('[data-testid="journal-load-more"]:disabled').waitFor()
    assert.equal((await loadMore.textContent())?.trim(), 'End of journal')
    const types = await page.locator('[data-testid="journal-row"] .type').allTextContents()
    assert.equal(types.includes('op'), false)

    // With ops: 200 a page, then more, then the end.
    await hideOps.uncheck()
    await page.locator('[data-testid="journal-load-more"]:enabled').waitFor()
    for (let i = 0; i < 5 && (await loadMore.isEnabled()); i++) {
      const shown = await page.getByTestId('journal-row').count()
      await loadMore.click()
      await page.getByTestId('journal-row').nth(shown).waitFor()
    }
    await page.locator('[data-testid="journal-load-more"]:disabled').waitFor()
    assert.equal(await page.getByTestId('journal-row').count(), run.json.eventCount)
  })

  test('run page: a run without load has no empty chart', async () => {
    await goto(`/runs/${quietRun.id}`)
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor()
    await page.getByTestId('no-load').waitFor()
    assert.equal(await page.getByTestId('run-chart').count(), 0)
    await shot('run-no-load')
  })

  test('[api §5] run page: who started it, by name and token', async () => {
    await goto(`/runs/${loadRun.id}`)
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor()
    assert.equal(
      (await page.getByTestId('run-started-by').textContent())?.trim(),
      'owner (token ci-deploy)'
    )
  })

  test('[api §5] run page: JSON, JUnit, HTML report and journal downloads, as the CLI writes them', async () => {
    await goto(`/runs/${loadRun.id}`)
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor()
    const files: Record<string, string> = {}
    for (const id of ['json', 'xml', 'html', 'jsonl', 'jsonl-ops']) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId(`download-${id}`).click(),
      ])
      const ext = id === 'jsonl-ops' ? 'jsonl' : id
      assert.equal(download.suggestedFilename(), `checkout-latency-${loadRun.id}.${ext}`)
      files[id] = readFileSync((await download.path())!, 'utf8')
    }
    const result = JSON.parse(files['json']!) as { resilienceScore: number; verdict: string }
    assert.equal(result.resilienceScore, 62.5)
    assert.equal(result.verdict, 'fail')
    assert.match(files['xml']!, /<testsuites?[\s>]/)
    assert.match(files['html']!, /<script type="application\/json" id="ordeal-report-data">/)
    assert.match(files['html']!, /data-testid="verdict">FAIL</)
    const run = await api<Run>(`/api/runs/${loadRun.id}`)
    // The journal leaves the load's op events out (most of the file); "with ops" is all of it.
    const types = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { type: string }).type)
    const withOps = types(files['jsonl-ops']!)
    assert.equal(withOps.length, run.json.eventCount)
    assert.ok(withOps.includes('op'), 'the load run has op events')
    assert.deepEqual(
      types(files['jsonl']!),
      withOps.filter((t) => t !== 'op')
    )
  })

  test('run page: a load threshold reads with units, as the verdict states it', async () => {
    await goto(`/runs/${loadRun.id}`)
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor()
    const message = page.getByTestId('threshold-message')
    await message.waitFor()
    // Not `observed 2040.831`: the figure and the limit in the metric's unit.
    assert.equal(
      (await message.textContent())?.trim(),
      'http_req_duration p(99) 2.04 s > 500 ms (p(99)<500)'
    )
  })

  /** An experiment with runs across two versions (v2 saved as if in the UI). */
  async function twoVersions(name: string): Promise<Experiment> {
    const v1 = recordManifest(name)
    await recordRun(center, center.ownerToken, v1, (id) => spaced(passingRun(id, name)))
    const list = await api<Experiment[]>('/api/experiments')
    const experiment = list.json.find((e) => e.name === name)!
    const v2 = recordManifest(name, {}, ' (v2)')
    const saved = await api<Experiment>(`/api/experiments/${experiment.id}`, {
      method: 'PUT',
      body: { yaml: v2, expectedVersion: 1 },
    })
    assert.equal(saved.status, 200, saved.text)
    await recordRun(center, ciToken.secret, v2, (id) => loadRunJournal(id, name))
    return saved.json
  }

  let versioned: Experiment

  test('experiment page: score history on a time axis with a marker per version', async () => {
    versioned = await twoVersions('history-two-versions')
    await goto(`/experiments/${versioned.id}`)
    await page.getByTestId('history-chart').waitFor()
    await page.getByTestId('history-point').nth(1).waitFor()
    const markers = page.getByTestId('version-marker')
    assert.deepEqual(
      await markers.evaluateAll((els) => els.map((e) => e.getAttribute('data-version'))),
      ['1', '2']
    )
    const tickTexts = await page.locator('[data-testid="history-tick"] text').allTextContents()
    // Dated ticks (the two runs here start within a second: one distinct label).
    assert.ok(tickTexts.length >= 1)
    for (const t of tickTexts) {
      assert.match(t, DATE)
    }
    const scores = await page
      .getByTestId('history-point')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-score')))
    assert.deepEqual(scores, ['100', '62.5'])
    assert.deepEqual(await page.getByTestId('run-row-score').allTextContents(), ['62.5', '100'])
    await shot('experiment-history')
  })

  test('[api §5] experiment page: a who column, with the token for CI', async () => {
    await goto(`/experiments/${versioned.id}`)
    await page.getByTestId('run-row').nth(1).waitFor()
    assert.deepEqual(await page.getByTestId('run-row-by').allTextContents(), [
      'owner (token ci-deploy)',
      'owner',
    ])
    await page.getByTestId('version-row').nth(1).waitFor()
    assert.deepEqual(await page.getByTestId('version-by').allTextContents(), ['owner', 'owner'])
  })

  test('experiment list: search, and a running indicator', async () => {
    await recordRun(
      center,
      center.ownerToken,
      recordManifest('still-running'),
      (id) => spaced(passingRun(id, 'still-running').slice(0, 3)),
      false
    )
    await goto('/')
    const running = page.locator('[data-testid="experiment-row"][data-name="still-running"]')
    await running.getByTestId('running-indicator').waitFor()
    assert.equal(
      await page
        .locator('[data-testid="experiment-row"][data-name="quiet-kill"]')
        .getByTestId('running-indicator')
        .count(),
      0
    )
    await page.getByTestId('experiment-search').fill('CHECKOUT')
    await page.waitForURL(/\?q=CHECKOUT/)
    await page.locator('[data-testid="experiment-row"][data-name="quiet-kill"]').waitFor({
      state: 'detached',
    })
    const names = await page
      .getByTestId('experiment-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
    assert.deepEqual(names, ['checkout-latency'])
    // Hypotheses are searched too.
    await page.getByTestId('experiment-search').fill('database is slow (v2')
    await page.locator('[data-testid="experiment-row"][data-name="history-two-versions"]').waitFor()
    assert.equal(await page.getByTestId('experiment-row').count(), 1)
    await page.getByTestId('experiment-search').fill('no such experiment')
    await page.getByTestId('experiments-empty').getByText('No experiment matches').waitFor()
  })

  test('[api §5] experiment list: label chips filter the list', async () => {
    await recordRun(
      center,
      center.ownerToken,
      recordManifest('payments-db', { team: 'payments', tier: '1' }),
      (id) => spaced(passingRun(id, 'payments-db'))
    )
    await recordRun(
      center,
      center.ownerToken,
      recordManifest('search-db', { team: 'search' }),
      (id) => spaced(passingRun(id, 'search-db'))
    )
    await goto('/')
    const row = page.locator('[data-testid="experiment-row"][data-name="payments-db"]')
    await row.locator('[data-testid="label-chip"][data-label="team=payments"]').click()
    await page.waitForURL(/label=team%3Dpayments/)
    await page.locator('[data-testid="experiment-row"][data-name="search-db"]').waitFor({
      state: 'detached',
    })
    const names = await page
      .getByTestId('experiment-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))
    assert.deepEqual(names, ['payments-db'])
    const filtered = await api<{ name: string }[]>('/api/experiments?label=team%3Dpayments')
    assert.deepEqual(
      filtered.json.map((e) => e.name),
      ['payments-db']
    )
    await page.locator('[data-testid="label-filter"][data-label="team=payments"]').click()
    await page.locator('[data-testid="experiment-row"][data-name="search-db"]').waitFor()
  })

  test('runs timeline: every run newest first, by status, page by page, linked', async () => {
    const all = await api<RunSummary[]>('/api/runs?limit=500')
    assert.ok(all.json.length >= 4)
    await page.getByTestId('nav-runs').click()
    await page.waitForURL(/\/runs$/)
    await page.getByTestId('run-row').first().waitFor()
    const ids = () =>
      page
        .getByTestId('run-row')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')))
    assert.deepEqual(
      await ids(),
      all.json.map((r) => r.id)
    )
    await shot('runs-timeline')

    // Two a page: "Older runs" follows `before` until there are none.
    await goto('/runs?limit=2')
    await page.getByTestId('run-row').nth(1).waitFor()
    assert.equal(await page.getByTestId('run-row').count(), 2)
    const older = page.getByTestId('older-runs')
    while (await older.isEnabled()) {
      const shown = await page.getByTestId('run-row').count()
      await older.click()
      await page
        .getByTestId('run-row')
        .nth(shown)
        .or(page.getByText('No older runs'))
        .first()
        .waitFor()
    }
    assert.deepEqual(
      await ids(),
      all.json.map((r) => r.id)
    )

    // Status filter.
    await page.getByTestId('runs-status-filter').selectOption('running')
    await page.waitForURL(/status=running/)
    await page.locator('[data-testid="run-row"][data-status="finished"]').first().waitFor({
      state: 'detached',
    })
    const statuses = await page
      .getByTestId('run-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
    assert.ok(statuses.length >= 1)
    assert.ok(statuses.every((s) => s === 'running'))

    // Links: to the experiment and to the run.
    await goto('/runs')
    const first = page.locator(`[data-testid="run-row"][data-run-id="${loadRun.id}"]`)
    await first.getByRole('link', { name: 'checkout-latency' }).click()
    await page.waitForURL(/\/experiments\/[^/]+$/)
    await goto('/runs')
    await first.getByRole('link', { name: 'open →' }).click()
    await page.waitForURL(new RegExp(`/runs/${loadRun.id}$`))
  })

  test('one date format on every page', async () => {
    const pages = [
      '/',
      '/runs',
      `/runs/${loadRun.id}`,
      `/runs/${quietRun.id}`,
      `/experiments/${versioned.id}`,
      '/settings',
    ]
    for (const p of pages) {
      await goto(p)
      await page.locator('main h1').first().waitFor()
      // Let the page's data arrive: a date (any format) or a table row.
      await page.waitForLoadState('networkidle')
      const text = await page.locator('main').innerText()
      const svgText = await page.locator('main svg text').allTextContents()
      const all = [text, ...svgText].join('\n')
      const dates = all.match(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?\S*/g) ?? []
      assert.ok(dates.length > 0 || p === '/settings', `${p} shows dates`)
      for (const d of dates) {
        assert.match(d.slice(0, 19), DATE, `${p}: ${d}`)
        assert.doesNotMatch(d, /T|Z$/, `${p}: ${d}`)
      }
      // No locale formats: 12/6/2026, 6.12.2026, Dec 6, GMT.
      assert.doesNotMatch(all, /\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/, p)
      assert.doesNotMatch(
        all,
        /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b/,
        p
      )
      assert.doesNotMatch(all, /GMT|\b[AP]M\b/, p)
    }
  })
})
