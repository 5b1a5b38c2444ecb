/**
 * The UI's side of remote agents in headless Chromium against the built CLI's server: the
 * Agents page (its nav item, its empty state, then a real `ordeal agent` listed as connected),
 * the Run button's placement picker, a run placed on that agent from the UI, and where each run
 * ran in the runs table. Screenshots land in test-artifacts/chaos-center-agents/.
 * @module
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { Experiment } from '../../src/shared/api.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { artifactsDir, launchBrowser, screenshotter } from '../support/browser.js'
import { recordManifest, recordRun, spaced } from '../support/ui-journals.js'
import { passingRun } from '../support/journal-fixtures.js'
import { cliPath, repoRoot } from '../support/cli.js'

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

  let agent: ChildProcess | undefined
  const agentDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-ui-agent-'))
  after(async () => {
    if (agent?.exitCode === null) {
      const gone = new Promise((resolve) => agent!.once('exit', resolve))
      agent.kill('SIGTERM')
      await gone
    }
    rmSync(agentDir, { recursive: true, force: true })
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

  test('a real agent is listed connected, and a run started from the UI on it ends on it', async () => {
    // An agent token, made by the owner, for an agent on this machine (loopback).
    const made = await apiFetch<{ secret: string }>(center.url, '/api/tokens', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'ui-edge', role: 'agent' },
    })
    assert.equal(made.status, 201)
    const tokenFile = path.join(agentDir, 'ui-edge.token')
    writeFileSync(tokenFile, made.json.secret, { mode: 0o600 })
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'agent',
        '--server',
        center.url,
        '--token-file',
        tokenFile,
        '--state-dir',
        path.join(agentDir, 'state'),
        '--label',
        'zone=ui',
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    agent = child
    let out = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent never connected:\n${out}`)), 30_000)
      const onData = (d: Buffer) => {
        out += d.toString()
        if (/agent ui-edge connected/.test(out)) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
    })

    await page.getByTestId('nav-agents').click()
    await page.waitForURL(/\/agents$/)
    await page
      .locator('[data-testid="agent-row"][data-agent="ui-edge"][data-connected="true"]')
      .waitFor()
    await shot('agents-connected')

    const created = await apiFetch<Experiment>(center.url, '/api/experiments', {
      token: center.ownerToken,
      method: 'POST',
      body: {
        yaml: `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: placed-from-ui }
spec:
  hypothesis: a short wait passes on the agent
  steps:
    - wait: 200ms
`,
      },
    })
    assert.equal(created.status, 201)
    await page.goto(new URL(`/experiments/${created.json.id}`, center.url).href)
    await page.getByTestId('run-placement').selectOption('agent:ui-edge')
    await page.getByTestId('start-run').click()
    await page.waitForURL(/\/runs\/[^/]+$/)
    await page
      .locator('[data-testid="run-status"][data-status="finished"]')
      .waitFor({ timeout: 60_000 })
    assert.equal((await page.getByTestId('run-status').textContent())?.trim(), 'pass')
    assert.equal((await page.getByTestId('run-agent').textContent())?.trim(), 'ui-edge')
    await shot('run-on-agent')
  })
})
