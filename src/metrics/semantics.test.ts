import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from '../experiment/load.js'

const manifest = (checks: string, metrics = kMetrics) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: backlog }
spec:
  hypothesis: the backlog drains
  system:
    services:
      - { name: rabbitmq, command: sleep, args: ['60'], replicas: 1, ports: { management: 0 } }
${metrics}
  steps:
    - name: pause
      fault: { type: process-pause, target: { service: rabbitmq }, duration: 5s }
    - wait: 5s
  checks:
${checks}
`
const kMetrics = `  metrics:
    - name: queue-depth
      interval: 500ms
      rabbitmq:
        url: 'http://127.0.0.1:{{services.rabbitmq.replicas[0].ports.management}}'
        queue: orders
    - name: dump-rate
      prometheus: { url: 'http://127.0.0.1:9090', query: 'sum(rate(x[15s]))' }`

function error(text: string): string {
  try {
    loadExperimentText(text, '/tmp/m.yaml')
  } catch (e) {
    return (e as Error).message
  }
  return 'loaded'
}

describe('spec.metrics and the checks over them', () => {
  it('a manifest with both checks loads, metrics resolved', () => {
    const e = loadExperimentText(
      manifest(`    - { name: drains, type: backlog, metric: queue-depth, below: 100, within: 30s, fault: pause }
    - { name: recovers, type: recovery, metric: dump-rate, atLeast: 90%, within: 30s }`),
      '/tmp/m.yaml'
    )
    assert.deepEqual(
      e.metrics?.map((m) => [m.id, m.intervalMs]),
      [
        ['metric/queue-depth', 500],
        ['metric/dump-rate', 1000],
      ]
    )
    assert.deepEqual(
      e.checks.map((c) => c.type),
      ['backlog', 'recovery']
    )
  })

  it('an unknown metric, an unknown fault: file:line and field, with a did-you-mean', () => {
    const text = error(
      manifest(
        `    - { name: drains, type: backlog, metric: queue-dept, below: 100, within: 30s, fault: paus }`
      )
    )
    assert.match(
      text,
      /\/tmp\/m\.yaml:\d+.*spec\.checks\[0\]\.metric.*no metric named 'queue-dept'.*queue-depth/
    )
    assert.match(text, /spec\.checks\[0\]\.fault.*no fault step named 'paus'.*pause/)
  })

  it('a metric needs exactly one source; atLeast must be a percentage; names are unique', () => {
    assert.match(
      error(
        manifest(
          `    - { name: r, type: recovery, metric: queue-depth, atLeast: lots, within: 30s }`
        )
      ),
      /atLeast.*must be a percentage like 90% or a ratio like 0\.9/
    )
    assert.match(
      error(manifest('    []', `  metrics:\n    - name: m\n      interval: 1s`)),
      /spec\.metrics\[0\].*needs exactly one of 'rabbitmq' or 'prometheus'/
    )
    assert.match(
      error(
        manifest(
          '    []',
          `  metrics:\n    - { name: m, prometheus: { url: 'http://x', query: q } }\n    - { name: m, prometheus: { url: 'http://x', query: q } }`
        )
      ),
      /spec\.metrics\[1\]\.name.*duplicate metric name 'm'/
    )
  })

  it('an unknown template in a metric url is a manifest error', () => {
    assert.match(
      error(
        manifest(
          '    []',
          `  metrics:\n    - { name: m, rabbitmq: { url: 'http://127.0.0.1:{{services.rabbitmq.ports.mgmt}}', queue: q } }`
        )
      ),
      /spec\.metrics\[0\]\.rabbitmq\.url.*mgmt/
    )
    assert.match(
      error(
        manifest(
          '    []',
          `  metrics:\n    - { name: m, prometheus: { url: '127.0.0.1:9090', query: q } }`
        )
      ),
      /spec\.metrics\[0\]\.prometheus\.url.*has no scheme: write http:\/\/127\.0\.0\.1:9090/
    )
  })
})
