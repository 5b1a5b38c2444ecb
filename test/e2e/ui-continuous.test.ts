/**
 * Continuous chaos in the UI (issue 16), in headless Chromium against the built CLI's server:
 * a hook made in the UI shows its URL and secret once; an experiment with schedules and a
 * trigger shows next ticks on the Schedules page, a real tick's run says which schedule started
 * it, pause and resume work for the owner and are not offered to a viewer; signed deliveries to
 * the hook (one forged, one good) are listed with their outcome, and the good one's debounced
 * trigger run says which trigger started it; a git source made from a local repository (the
 * `git` binary) lists its sync and its invalid manifest with file:line, and its experiment is
 * shown with the banner and a read-only editor; a notification target to a loopback receiver is
 * listed and its test message arrives. Needs every server part of issue 16 (on the UI's branch
 * alone those routes are placeholders and this fails). Screenshots: test-artifacts/ui-continuous/.
 * @module
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHmac, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Experiment, ExperimentSummary } from '../../src/shared/api.js'
import type { HookInfo } from '../../src/shared/continuous.js'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'
import { killWebExperiment } from '../support/web-experiment.js'

/** Waits that span a poll (10 s) and a tick (every 10 s) on a loaded 2-core machine. */
const SLOW = { timeout: 90_000 }

const SCHEDULED = 'scheduled-kill'
const continuousSpec = `  schedules:
    - name: nightly
      cron: '0 3 * * *'
      timeZone: Europe/Paris
      exclude:
        - { days: [Sat, Sun], from: '02:00', to: '04:00', reason: weekend maintenance }
    - name: every-10s
      cron: '*/10 * * * * *'
      startingDeadlineSeconds: 5
  triggers:
    - name: deploy
      on: webhook
      hook: deploys
      app: orders
      conditions:
        - { key: status, operator: EqualTo, value: succeeded }
      debounce: 2s
`

/** HH:MM of `iso` on a Paris wall clock: where the nightly schedule's ticks must land. */
function parisClock(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso))
}

describe('continuous chaos in the UI, headless Chromium', () => {
  let center: ChaosCenter
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let shot: (step: string) => Promise<string>
  /** The `deploys` hook as created in the UI: its URL and its secret (read off the page once). */
  const hook = { url: '', secret: '' }
  const work = mkdtempSync(path.join(os.tmpdir(), 'ordeal-ui-continuous-'))
  let receiver: Server
  let received: Array<{ path: string; body: string }> = []
  let receiverUrl = ''
  const goto = (p: string) => page.goto(new URL(p, center.url).href)

  before(async () => {
    center = await startChaosCenter()
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
    shot = screenshotter(page, artifactsDir('ui-continuous'))
    await goto('/login')
    await page.getByTestId('login-code').fill(center.ownerToken)
    await page.getByTestId('login-submit').click()
    await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()

    // A notification receiver on loopback: records every POST, answers 204.
    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        received.push({ path: req.url ?? '', body })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  })

  after(async () => {
    await browser?.close()
    await center?.dispose()
    await new Promise((resolve) => receiver?.close(resolve))
    rmSync(work, { recursive: true, force: true })
  })

  test('a hook made in the UI shows its URL and secret once', async () => {
    await page.getByTestId('nav-hooks').click()
    await page.waitForURL(/\/hooks$/)
    await page.getByTestId('hook-name').fill('deploys')
    await page.getByTestId('create-hook').click()
    const secret = (await page.getByTestId('hook-secret').textContent())?.trim() ?? ''
    const url = (await page.getByTestId('hook-url').textContent())?.trim() ?? ''
    assert.ok(secret.length >= 16, `a real secret is shown: '${secret}'`)
    assert.match(url, /^http:\/\/[^/]+\/api\/hooks\/[^/]+$/, 'a full URL to post to')
    await page.getByTestId('hook-secret-copy').waitFor()
    Object.assign(hook, { url, secret })
    await shot('hook-created')

    // Once: neither the list's answer nor the page after a reload carries it.
    const listed = await apiFetch<HookInfo[]>(center.url, '/api/hooks', {
      token: center.ownerToken,
    })
    assert.equal(listed.status, 200)
    assert.ok(!listed.text.includes(secret), 'GET /api/hooks never answers the secret')
    await page.reload()
    await page.locator('[data-testid="hook-row"][data-name="deploys"]').waitFor()
    assert.equal(await page.getByTestId('secret-once').count(), 0)
  })

  test('schedules: next ticks, a tick that ran and says so, pause and resume', async () => {
    const yaml = `${killWebExperiment({ name: SCHEDULED, faultDuration: '1s' })}${continuousSpec}`
    const created = await apiFetch<Experiment>(center.url, '/api/experiments', {
      token: center.ownerToken,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(created.status, 201, created.text)

    await page.getByTestId('nav-schedules').click()
    await page.waitForURL(/\/schedules$/)
    const nightly = page.locator('[data-testid="schedule-row"][data-name="nightly"]')
    const next = nightly.getByTestId('schedule-next')
    await next.waitFor(SLOW)
    const due = (await next.getAttribute('data-next')) ?? ''
    assert.equal(parisClock(due), '03:00', `the next tick is 03:00 in Paris: ${due}`)
    assert.ok(Date.parse(due) > Date.now(), 'in the future')
    assert.match((await next.textContent()) ?? '', /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(in /)
    assert.match(
      (await nightly.getByTestId('schedule-exclude').textContent()) ?? '',
      /Sat, Sun 02:00–04:00 \(weekend maintenance\)/
    )

    // A real tick of the 10 s schedule runs the experiment; its run names the schedule.
    const fast = page.locator('[data-testid="schedule-row"][data-name="every-10s"]')
    const ranLink = fast.locator('[data-testid="tick-outcome"][data-outcome="ran"] a')
    await ranLink.waitFor(SLOW)
    // Its link now: a later tick (skipped under Forbid while the run goes) replaces the last one.
    const runHref = (await ranLink.getAttribute('href')) ?? ''
    assert.match(runHref, /^\/runs\/[^/]+$/)
    await shot('schedules')
    // Paused first: the test needs one tick, not one every 10 s.
    await fast.getByTestId('schedule-pause').click()
    await page
      .locator('[data-testid="schedule-row"][data-name="every-10s"][data-paused="true"]')
      .waitFor()
    assert.equal((await fast.getByTestId('schedule-state').textContent())?.trim(), 'paused')
    await fast.getByTestId('schedule-history').click()
    await page.locator('[data-testid="tick-row"][data-outcome="ran"]').first().waitFor()
    await shot('schedule-paused-history')

    await goto(runHref)
    const cause = page.getByTestId('run-cause')
    await cause.waitFor()
    assert.equal(await cause.getAttribute('data-kind'), 'schedule')
    assert.match(
      (await cause.textContent()) ?? '',
      /^started by schedule every-10s \(due \d{2}:\d{2}(:\d{2})?\)$/
    )
    await shot('run-cause')

    // Pause and resume the nightly one too: the state follows.
    await goto('/schedules')
    await nightly.getByTestId('schedule-pause').click()
    await page
      .locator('[data-testid="schedule-row"][data-name="nightly"][data-paused="true"]')
      .waitFor()
    assert.equal((await nightly.getByTestId('schedule-next').count()) === 0, true, 'no next tick')
    await nightly.getByTestId('schedule-resume').click()
    await page
      .locator('[data-testid="schedule-row"][data-name="nightly"][data-paused="false"]')
      .waitFor()
    await nightly.getByTestId('schedule-next').waitFor()
  })

  test('a viewer sees schedules without pause buttons; the experiment shows its triggers', async () => {
    const viewer = await createUserWithToken(center, 'viewer', 'viewer-ui')
    const viewerContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    try {
      const vp = await viewerContext.newPage()
      await vp.goto(new URL('/login', center.url).href)
      await vp.getByTestId('login-code').fill(viewer.token)
      await vp.getByTestId('login-submit').click()
      await vp.locator('[data-testid="whoami"][data-name="viewer-ui"]').waitFor()
      await vp.goto(new URL('/schedules', center.url).href)
      await vp.locator('[data-testid="schedule-row"][data-name="nightly"]').waitFor()
      assert.equal(await vp.getByTestId('schedule-pause').count(), 0)
      assert.equal(await vp.getByTestId('schedule-resume').count(), 0)
    } finally {
      await viewerContext.close()
    }

    const list = await apiFetch<ExperimentSummary[]>(center.url, '/api/experiments', {
      token: center.ownerToken,
    })
    const experiment = list.json.find((e) => e.name === SCHEDULED)!
    await goto(`/experiments/${experiment.id}`)
    const trigger = page.locator('[data-testid="trigger-row"][data-name="deploy"]')
    await trigger.waitFor()
    assert.equal(
      (await trigger.getByTestId('trigger-source').textContent())?.trim(),
      'webhook · hook deploys'
    )
    assert.equal(
      (await trigger.getByTestId('trigger-conditions').textContent())?.trim(),
      'status EqualTo succeeded'
    )
    await page.locator('[data-testid="schedule-row"][data-name="nightly"]').waitFor()
    assert.equal(await page.getByTestId('git-origin-banner').count(), 0, 'not from git')
    await shot('experiment-schedules-triggers')
  })

  test('signed deliveries: a forged one rejected with its reason, a good one runs the trigger', async () => {
    // ordeal's generic hook signature: HMAC-SHA256(secret, "<unix seconds>.<body>").
    const deliver = (body: object, secret: string) => {
      const text = JSON.stringify(body)
      const timestamp = String(Math.floor(Date.now() / 1000))
      const signature = createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex')
      return fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ordeal-timestamp': timestamp,
          'x-ordeal-delivery': randomUUID(),
          'x-ordeal-signature-256': `sha256=${signature}`,
        },
        body: text,
      })
    }
    const event = { app: 'orders', status: 'succeeded', revision: '9f8e7d6c5b4a' }
    const forged = await deliver(event, 'not-the-secret')
    assert.equal(forged.status, 401)
    const good = await deliver(event, hook.secret)
    assert.ok(good.ok, `accepted: ${good.status}`)

    await goto('/hooks')
    await page.locator('[data-testid="hook-row"][data-name="deploys"]').waitFor()
    await page.getByTestId('hook-deliveries-toggle').click()
    const rejected = page.locator('[data-testid="hook-delivery"][data-outcome="rejected"]')
    assert.match((await rejected.textContent()) ?? '', /rejected: .*signature/i)
    const accepted = page.locator('[data-testid="hook-delivery"][data-outcome="accepted"]')
    assert.match((await accepted.textContent()) ?? '', new RegExp(`${SCHEDULED}/deploy`))

    // After the 2 s debounce window the trigger runs the experiment once; its run says why.
    const trigger = page.locator('[data-testid="trigger-row"][data-name="deploy"]')
    const fired = trigger.locator('[data-outcome="ran"] a')
    await fired.waitFor(SLOW) // the page polls the triggers every 10 s
    const runHref = (await fired.getAttribute('href')) ?? ''
    await shot('hook-deliveries-trigger-fired')
    await goto(runHref)
    const cause = page.getByTestId('run-cause')
    await cause.waitFor()
    assert.equal(await cause.getAttribute('data-kind'), 'trigger')
    assert.match(
      (await cause.textContent()) ?? '',
      /^started by trigger deploy via deploys \(1 event: .*orders.*\)$/
    )
  })

  test('a git source from a local repository: sync, invalid manifest, read-only experiment', async () => {
    const repo = path.join(work, 'chaos-repo')
    mkdirSync(path.join(repo, 'chaos'), { recursive: true })
    writeFileSync(
      path.join(repo, 'chaos', 'from-git.yaml'),
      killWebExperiment({ name: 'from-git', faultDuration: '1s' })
    )
    // One error, on the last line (an unknown field): the UI must name it as broken.yaml:N.
    const broken = `${killWebExperiment({ name: 'broken', faultDuration: '1s' })}  bogus: 1\n`
    const brokenLine = broken.trimEnd().split('\n').length
    writeFileSync(path.join(repo, 'chaos', 'broken.yaml'), broken)
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim()
    git('init', '-q', '-b', 'main')
    git('add', '.')
    git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'chaos')
    const commit = git('rev-parse', 'HEAD')
    const short = commit.slice(0, 7)

    await page.getByTestId('nav-git').click()
    await page.waitForURL(/\/git$/)
    await page.getByTestId('git-name').fill('platform')
    await page.getByTestId('git-url').fill(repo)
    await page.getByTestId('git-branch').fill('main')
    await page.getByTestId('git-folder').fill('chaos')
    // Under the server's least poll (10 s) the form refuses before sending anything.
    await page.getByTestId('git-poll').fill('5')
    assert.equal(await page.getByTestId('git-poll').getAttribute('min'), '10')
    assert.equal(
      await page
        .getByTestId('git-poll')
        .evaluate(
          (input) =>
            (input as unknown as { validity: { rangeUnderflow: boolean } }).validity.rangeUnderflow
        ),
      true
    )
    await page.getByTestId('git-poll').fill('3600')
    await page.getByTestId('git-create').click()
    const secret = (await page.getByTestId('git-webhook-secret').textContent())?.trim() ?? ''
    assert.ok(secret.length >= 16, 'the push webhook secret is shown once')
    assert.match(
      (await page.getByTestId('git-webhook-url').textContent()) ?? '',
      /\/api\/git-sources\/[^/]+\/webhook$/
    )

    const card = page.locator('[data-testid="git-source"][data-name="platform"]')
    const sync = card.locator('[data-testid="git-last-sync"][data-ok="true"]')
    if ((await sync.count()) === 0) {
      await card.getByTestId('git-sync-now').click()
    }
    await sync.waitFor(SLOW)
    // The sync at creation made it; a second one (Sync now) finds it unchanged: either count.
    assert.match((await sync.textContent()) ?? '', new RegExp(`ok @ ${short}: \\d+ created`))
    assert.match(
      (await card.getByTestId('git-invalid').textContent()) ?? '',
      new RegExp(`chaos/broken\\.yaml:${brokenLine}: .*bogus`)
    )
    assert.match((await card.getByTestId('git-experiments').textContent()) ?? '', /from-git/)
    await shot('git-source')

    // The repository unreachable: the sync fails, and the manifest still broken stays listed
    // (the failed sync read none; the source's own answer keeps them).
    const away = `${repo}-away`
    execFileSync('mv', [repo, away])
    await card.getByTestId('git-sync-now').click()
    await card.locator('[data-testid="git-last-sync"][data-ok="false"]').waitFor(SLOW)
    await card.getByTestId('git-invalid').waitFor()
    assert.match(
      (await card.getByTestId('git-invalid').textContent()) ?? '',
      new RegExp(`chaos/broken\\.yaml:${brokenLine}: .*bogus`)
    )
    await shot('git-source-unreachable')
    execFileSync('mv', [away, repo])

    const list = await apiFetch<ExperimentSummary[]>(center.url, '/api/experiments', {
      token: center.ownerToken,
    })
    const fromGit = list.json.find((e) => e.name === 'from-git')
    assert.ok(fromGit, 'the manifest became an experiment')
    assert.equal(fromGit.origin?.commit, commit)
    await goto('/')
    const tag = page.locator(
      '[data-testid="experiment-row"][data-name="from-git"] [data-testid="git-managed"]'
    )
    assert.equal((await tag.textContent())?.trim(), `git ${short}`, 'the list marks it')
    await goto(`/experiments/${fromGit.id}`)
    const banner = page.getByTestId('git-origin-banner')
    await banner.waitFor()
    assert.match(
      (await banner.textContent()) ?? '',
      new RegExp(`^Managed by git source platform — chaos/from-git\\.yaml @ ${short}`)
    )
    const editor = page.locator('[data-testid="yaml-editor"] .cm-content')
    await editor.waitFor()
    assert.equal(await editor.getAttribute('contenteditable'), 'false', 'the editor is read-only')
    assert.equal(await page.getByTestId('save-experiment').isDisabled(), true)
    assert.equal(await page.getByTestId('delete-experiment').isDisabled(), true)
    assert.match(
      (await page.getByTestId('read-only-reason').textContent()) ?? '',
      /Managed by git source platform: change chaos\/from-git\.yaml in git/
    )
    assert.equal((await page.getByTestId('version-commit').first().textContent())?.trim(), short)
    await shot('git-managed-experiment')
  })

  test('a notification target to a loopback receiver: listed without its path, test delivered', async () => {
    received = []
    await page.getByTestId('nav-settings').click()
    await page.waitForURL(/\/settings$/)
    const card = page.getByTestId('notifications-card')
    await card.getByTestId('target-name').fill('local-receiver')
    await card.getByTestId('target-kind').selectOption('webhook')
    await card.getByTestId('target-url').fill(`${receiverUrl}/notify/s3cret-path`)
    await card.getByTestId('target-labels').fill('team=orders')
    await card.getByTestId('create-target').click()
    const row = card.locator('[data-testid="target-row"][data-name="local-receiver"]')
    await row.waitFor()
    const hint = (await row.getByTestId('target-url-hint').textContent())?.trim() ?? ''
    assert.ok(hint.startsWith('http://127.0.0.1'), hint)
    assert.ok(!hint.includes('s3cret-path'), `the URL's path is not shown: ${hint}`)

    await row.getByTestId('target-test').click()
    await card.getByTestId('notification-test-result').waitFor(SLOW)
    assert.match(
      (await card.getByTestId('notification-test-result').textContent()) ?? '',
      /delivered/
    )
    assert.equal(received.length, 1, 'the receiver got the test message')
    assert.equal(received[0]!.path, '/notify/s3cret-path')
    await card
      .locator('[data-testid="notification-delivery"][data-target="local-receiver"]')
      .first()
      .waitFor(SLOW)
    await shot('notifications')
  })
})
