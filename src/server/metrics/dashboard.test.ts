import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { createServerMetrics } from './metrics.js'
import { journalOf, passingRun } from '../../../test/support/journal-fixtures.js'
import { packageRoot } from '../package-root.js'

/**
 * The Grafana dashboard is only useful if every series it queries exists: a renamed metric
 * would leave panels silently empty. Every `ordeal_*` name in its queries must be exported.
 */
test('every ordeal metric the Grafana dashboard queries is exported by the server', async () => {
  const dashboard = readFileSync(`${packageRoot()}/grafana/ordeal-dashboard.json`, 'utf8')
  const parsed = JSON.parse(dashboard) as { panels?: unknown[]; __inputs?: unknown[] }
  assert.ok((parsed.panels?.length ?? 0) >= 4, 'the dashboard has panels')
  const queried = new Set(dashboard.match(/ordeal_[a-z_]+/g))
  for (const required of [
    'ordeal_runs_total',
    'ordeal_run_resilience_score',
    'ordeal_fault_active',
    'ordeal_probe_passed',
  ]) {
    assert.ok(queried.has(required), `the dashboard uses ${required}`)
  }

  const metrics = createServerMetrics()
  for (const event of journalOf(passingRun('r1', 'shop', 2))) {
    metrics.observe({ id: 'r1', experiment: 'shop' }, event)
  }
  const exported = new Set(
    (await metrics.render())
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2])
  )
  for (const name of queried) {
    assert.ok(exported.has(name), `${name} is queried by the dashboard but not exported`)
  }
})
