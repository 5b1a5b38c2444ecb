import assert from 'node:assert/strict'
import { test } from 'node:test'
import { workloadTriggerEvent } from './workload-changed.js'

const hello = { features: ['parts', 'workload-watch'], labels: { env: 'prod' } }
const frame = (over: Record<string, unknown> = {}) => ({
  type: 'workload-changed',
  experiment: 'orders-check',
  workload: 'deployment/orders',
  namespace: 'shop',
  images: ['r/orders:2', 'r/envoy:1'],
  generation: 4,
  observedAt: '2026-12-07T12:00:00.000Z',
  ...over,
})

test('a frame becomes a kubernetes trigger event of the connection’s agent', () => {
  assert.deepEqual(workloadTriggerEvent('k8s', hello, frame()), {
    source: 'kubernetes',
    agent: 'k8s',
    agentLabels: { env: 'prod' },
    app: 'deployment/orders',
    experiment: 'orders-check',
    fields: {
      namespace: 'shop',
      workload: 'deployment/orders',
      images: ['r/orders:2', 'r/envoy:1'],
      image: 'r/orders:2',
      generation: 4,
      observedAt: '2026-12-07T12:00:00.000Z',
    },
    summary: 'kubernetes: deployment/orders in shop changed (images r/orders:2, r/envoy:1)',
  })
  const none = workloadTriggerEvent('k8s', hello, frame({ images: [], agent: 'k8s' }))
  assert.ok(!('dropped' in none))
  assert.equal(none.summary, 'kubernetes: deployment/orders in shop changed')
  assert.equal('image' in none.fields, false)
})

test('dropped, with one line: unannounced, invalid, or for another agent', () => {
  const dropped = (h: { features?: string[] } | undefined, f: unknown) => {
    const event = workloadTriggerEvent('k8s', h, f)
    return 'dropped' in event ? event.dropped : 'delivered'
  }
  assert.equal(
    dropped({ features: ['parts'] }, frame()),
    'workload-changed from an agent that did not announce workload-watch'
  )
  assert.equal(
    dropped(undefined, frame()),
    'workload-changed from an agent that did not announce workload-watch'
  )
  assert.match(
    dropped(hello, frame({ generation: -1 })),
    /^invalid workload-changed frame: generation: /
  )
  assert.match(
    dropped(hello, frame({ namespace: 'Shop' })),
    /^invalid workload-changed frame: namespace: /
  )
  assert.match(
    dropped(hello, frame({ experiment: undefined })),
    /^invalid workload-changed frame: experiment: /
  )
  assert.match(dropped(hello, frame({ extra: 1 })), /^invalid workload-changed frame: frame: /)
  assert.match(
    dropped(hello, frame({ observedAt: 'yesterday' })),
    /^invalid workload-changed frame: observedAt: /
  )
  assert.equal(
    dropped(hello, frame({ agent: 'edge-1' })),
    'workload-changed for agent edge-1: an agent reports only for itself'
  )
})
