/**
 * Shared set-up of the Chaos Center benchmarks: a real server (the built CLI), a recorded run
 * fed through the same API `ordeal run --server` uses, and a headless Chromium page with the
 * owner's token, as a user would have after logging in.
 * @module
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext } from 'playwright-core'
import type { JournalEvent, RunSummary } from '../../src/shared/api.js'
import { apiFetch, type ChaosCenter } from '../../test/support/chaos-center.js'
import { repoRoot } from '../../test/support/cli.js'

export const BENCH_YAML = readFileSync(
  path.join(repoRoot, 'examples/hub/process-kill.yaml'),
  'utf8'
)

/** Registers a recorded run (as `ordeal run --server` does) and returns its id. */
export async function registerRun(center: ChaosCenter, runId: string): Promise<string> {
  const res = await apiFetch<RunSummary>(center.url, '/api/runs/record', {
    token: center.ownerToken,
    method: 'POST',
    body: { yaml: BENCH_YAML, runId },
  })
  if (res.status !== 201) {
    throw new Error(`record: ${res.status} ${res.text}`)
  }
  return res.json.id
}

/** Posts the events in order, `batch` at a time, as fast as the server answers. */
export async function postEvents(
  center: ChaosCenter,
  runId: string,
  events: readonly JournalEvent[],
  batch: number
): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const res = await apiFetch(center.url, `/api/runs/${runId}/events`, {
      token: center.ownerToken,
      method: 'POST',
      body: { events: events.slice(i, i + batch) },
    })
    if (res.status !== 200) {
      throw new Error(`events: ${res.status} ${res.text}`)
    }
  }
}

export async function finishRun(center: ChaosCenter, runId: string): Promise<RunSummary> {
  const res = await apiFetch<RunSummary>(center.url, `/api/runs/${runId}/finish`, {
    token: center.ownerToken,
    method: 'POST',
  })
  if (res.status !== 200) {
    throw new Error(`finish: ${res.status} ${res.text}`)
  }
  return res.json
}

/** A browser context already logged in (the UI keeps its token in localStorage). */
export async function loggedInContext(browser: Browser, token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  // Runs in the page, where localStorage exists; typed here without the DOM library.
  type PageGlobals = { localStorage: { setItem(key: string, value: string): void } }
  await context.addInitScript((t) => {
    ;(globalThis as unknown as PageGlobals).localStorage.setItem('ordeal.token', t)
  }, token)
  return context
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

/** One line for BENCHMARKS.md: CPU model and count, memory, Node version. */
export function machine(): string {
  const cpus = os.cpus()
  const gib = Math.round(os.totalmem() / 2 ** 30)
  return `${cpus[0]?.model ?? 'cpu'} × ${cpus.length}, ${gib} GiB, Node ${process.version}`
}
