/**
 * The Chaos Center's metrics, read back by a real Prometheus: a run whose probe queries
 * `ordeal_fault_active` for its own experiment passes only if the server exported the fault as
 * active while it was, and Prometheus scraped it; the verdict counter follows after the run.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'
import { startPrometheus, type PrometheusServer } from '../support/prometheus.js'
import { workspace, type Workspace } from '../support/cli.js'
import { openStream } from '../support/sse.js'
import type { Experiment, Run, RunSummary } from '../../src/shared/api.js'
import { killWebExperiment } from '../support/web-experiment.js'

let center: ChaosCenter
let prometheus: PrometheusServer
let ws: Workspace

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
  prometheus = await startPrometheus({
    extraTargets: [{ job: 'ordeal', target: new URL(center.url).host }],
  })
})

after(async () => {
  await prometheus?.stop()
  await center?.dispose()
  ws?.cleanup()
})

const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

async function query(promql: string): Promise<number | undefined> {
  const r = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = (await r.json()) as { data?: { result?: { value: [number, string] }[] } }
  const value = body.data?.result?.[0]?.value[1]
  return value === undefined ? undefined : Number(value)
}

test('a prometheus probe reads ordeal_fault_active back during the fault; runs_total follows', async () => {
  const name = 'self-observed'
  const yaml = killWebExperiment({
    name,
    hypothesis: 'The Chaos Center reports the fault as active while it is.',
    faultDuration: '8s',
    probes: `        - name: fault-visible
          type: prometheus
          mode: OnChaos
          endpoint: ${prometheus.url}
          query: 'max(ordeal_fault_active{experiment="${name}"})'
          comparator: { type: float, criteria: '==', value: 1 }
          # Past the scrape delay; each iteration may retry across one more scrape.
          runProperties: { initialDelay: 3s, pollingInterval: 500ms, attempts: 5, interval: 500ms }
`,
  })
  const created = await api<Experiment>('/api/experiments', { method: 'POST', body: { yaml } })
  assert.equal(created.status, 201, created.text)
  const started = await api<RunSummary>('/api/runs', {
    method: 'POST',
    body: { experimentId: created.json.id },
  })
  assert.equal(started.status, 201, started.text)
  const stream = await openStream(
    `${center.url}/api/runs/${started.json.id}/stream`,
    center.ownerToken
  )
  await stream.waitFor(
    (m) => m.event === 'status' && m.data.status !== 'running',
    'the end',
    90_000
  )

  const run = await api<Run>(`/api/runs/${started.json.id}`)
  assert.equal(
    run.json.verdict,
    'pass',
    `${run.json.reason} ${JSON.stringify(run.json.result?.probes)}`
  )
  assert.equal(run.json.result?.probes[0]?.verdict, 'Passed')

  const deadline = Date.now() + 20_000
  let total: number | undefined
  while (Date.now() < deadline) {
    total = await query(`ordeal_runs_total{experiment="${name}",verdict="pass"}`)
    if (total === 1) {
      break
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  assert.equal(total, 1)
  assert.equal(await query(`ordeal_run_resilience_score{experiment="${name}"}`), 100)
})
