/**
 * A run process that never says `started` must not hang `POST /api/runs` (found by
 * bench/agent-dispatch.ts: two POSTs to the embedded agent never got an answer). Against the
 * built CLI: the server's spare run process is SIGSTOPped before the POST, so it takes the run
 * and never answers; with `ORDEAL_RUN_START_TIMEOUT_MS` short, the POST answers 201 anyway,
 * the spare is killed, the run ends with verdict error and a reason that says so, and the next
 * start works.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { workspace, type Workspace } from '../support/cli.js'
import { alive } from '../support/processes.js'
import { until } from '../support/runner-process.js'
import type { Experiment, Run, RunSummary } from '../../src/shared/api.js'

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: start-timeout }
spec:
  hypothesis: a short wait holds
  steps:
    - wait: 10ms
`

let center: ChaosCenter
let ws: Workspace
let stopped: number | undefined

before(async () => {
  ws = workspace()
  center = await startChaosCenter({
    env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_RUN_START_TIMEOUT_MS: '3000' },
  })
})

after(async () => {
  if (stopped !== undefined && alive(stopped)) {
    process.kill(stopped, 'SIGKILL')
  }
  await center.dispose()
  ws.cleanup()
})

const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

/** The server's run processes (its children running run-process/process.js). */
function runProcesses(): number[] {
  const server = center.child.pid
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (ppid === server && /run-process\/process\.(js|ts)/.test(cmdline)) {
        found.push(Number(entry))
      }
    } catch {
      // ended while we looked
    }
  }
  return found
}

async function waitForEnd(id: string): Promise<Run> {
  let run: Run | undefined
  for (let i = 0; i < 3000; i++) {
    const got = await api<Run>(`/api/runs/${id}`)
    if (!['queued', 'running'].includes(got.json.status)) {
      run = got.json
      break
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.ok(run, `run ${id} did not end`)
  return run
}

test('a spare run process that never answers: POST /api/runs answers, the run ends in error', async () => {
  const created = await api<Experiment>('/api/experiments', { method: 'POST', body: { yaml } })
  assert.equal(created.status, 201, created.text)

  // The spare is forked at start-up; stopped, it can take the run but never answer it.
  await until(() => runProcesses().length === 1, 30_000)
  stopped = runProcesses()[0]!
  process.kill(stopped, 'SIGSTOP')

  // Bounded here too: before the fix this POST never got an answer.
  let timer: NodeJS.Timeout | undefined
  const started = await Promise.race([
    api<RunSummary>('/api/runs', { method: 'POST', body: { experimentId: created.json.id } }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('POST /api/runs: no answer in 30 s')), 30_000)
    }),
  ]).finally(() => clearTimeout(timer))
  assert.equal(started.status, 201, started.text)
  const run = await waitForEnd(started.json.id)
  assert.equal(run.verdict, 'error')
  assert.match(run.reason ?? '', /did not start the run within 3 s; it was killed/)
  await until(() => !alive(stopped!), 30_000)
  assert.match(center.output(), /did not start the run within 3 s/)

  // The next start takes a fresh run process and runs normally.
  const next = await api<RunSummary>('/api/runs', {
    method: 'POST',
    body: { experimentId: created.json.id },
  })
  assert.equal(next.status, 201, next.text)
  const ended = await waitForEnd(next.json.id)
  assert.equal(ended.verdict, 'pass', JSON.stringify(ended))
})
