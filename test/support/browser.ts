/**
 * Headless Debian Chromium driven by playwright-core (Playwright cannot download its own browser
 * here). The background-networking flags matter: without them Chromium tries to reach Google's
 * hosts at start, and tests may only talk to loopback. Screenshots go to `test-artifacts/`
 * (or `ORDEAL_ARTIFACTS`), which CI keeps.
 * @module
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { repoRoot } from './cli.js'

export const CHROMIUM = '/usr/bin/chromium'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

export function artifactsDir(name: string): string {
  const base = process.env['ORDEAL_ARTIFACTS'] ?? path.join(repoRoot, 'test-artifacts')
  const dir = path.join(base, name)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** A full-page screenshot named `NN-step.png`, so the files sort in the order they were taken. */
export function screenshotter(page: Page, dir: string): (step: string) => Promise<string> {
  let n = 0
  return async (step) => {
    n += 1
    const file = path.join(dir, `${String(n).padStart(2, '0')}-${step}.png`)
    await page.screenshot({ path: file, fullPage: true })
    return file
  }
}
