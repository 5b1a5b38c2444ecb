import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { WorkloadTracker } from './tracker.js'
import type { WorkloadObject } from './template.js'

const NOW = Date.parse('2026-12-07T12:00:00Z')

function deployment(
  name: string,
  o: {
    image?: string
    replicas?: number
    generation?: number
    experiment?: string | undefined
    uid?: string
    labels?: Record<string, string>
  } = {}
): WorkloadObject & { spec: { replicas: number } } {
  const experiment = 'experiment' in o ? o.experiment : `${name}-check`
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: o.uid ?? `uid-${name}`,
      generation: o.generation ?? 1,
      ...(experiment !== undefined
        ? { annotations: { 'ordeal.dev/experiment': experiment, ...o.labels } }
        : {}),
    },
    spec: {
      replicas: o.replicas ?? 1,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: o.image ?? 'r/app:1' }] },
      },
    },
  }
}

const tracker = (warn: string[] = []) =>
  new WorkloadTracker({ now: () => NOW, warn: (line) => warn.push(line) })

test('the first list is the baseline; a new image is one change with its fields', () => {
  const t = tracker()
  assert.deepEqual(t.list('d', 'deployment', [deployment('orders'), deployment('billing')]), [])
  assert.equal(t.event('d', 'deployment', 'MODIFIED', deployment('orders')), undefined)
  assert.deepEqual(
    t.event(
      'd',
      'deployment',
      'MODIFIED',
      deployment('orders', { image: 'r/app:2', generation: 2 })
    ),
    {
      experiment: 'orders-check',
      workload: 'deployment/orders',
      namespace: 'shop',
      images: ['r/app:2'],
      generation: 2,
      observedAt: '2026-12-07T12:00:00.000Z',
    }
  )
  // The same template again (a resync, a status update): nothing.
  assert.equal(
    t.event(
      'd',
      'deployment',
      'MODIFIED',
      deployment('orders', { image: 'r/app:2', generation: 2 })
    ),
    undefined
  )
})

test('a scale, a generation bump or an annotation is not a deploy', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 8 })),
      (replicas, generation, labels) => {
        const t = tracker()
        t.list('d', 'deployment', [deployment('orders')])
        const scaled = deployment('orders', { replicas, generation, labels })
        assert.equal(t.event('d', 'deployment', 'MODIFIED', scaled), undefined)
      }
    )
  )
})

test('unannotated workloads never change; a new annotation is a baseline', () => {
  const t = tracker()
  t.list('d', 'deployment', [deployment('billing', { experiment: undefined })])
  assert.equal(
    t.event(
      'd',
      'deployment',
      'MODIFIED',
      deployment('billing', { experiment: undefined, image: 'x:2' })
    ),
    undefined
  )
  assert.equal(
    t.event('d', 'deployment', 'MODIFIED', deployment('billing', { image: 'x:2' })),
    undefined
  )
  assert.equal(t.size, 1)
  assert.ok(t.event('d', 'deployment', 'MODIFIED', deployment('billing', { image: 'x:3' })))
})

test('a workload created after the baseline, or re-created under its name, is its own baseline', () => {
  const t = tracker()
  t.list('d', 'deployment', [])
  assert.equal(t.event('d', 'deployment', 'ADDED', deployment('late')), undefined)
  assert.ok(t.event('d', 'deployment', 'MODIFIED', deployment('late', { image: 'r/app:2' })))
  assert.equal(
    t.event('d', 'deployment', 'ADDED', deployment('late', { uid: 'uid-2', image: 'r/app:3' })),
    undefined
  )
  t.event('d', 'deployment', 'DELETED', deployment('late'))
  assert.equal(
    t.event('d', 'deployment', 'ADDED', deployment('late', { image: 'r/app:4' })),
    undefined
  )
})

test('a re-list after a gap reports what changed meanwhile, once, and forgets the deleted', () => {
  const t = tracker()
  t.list('d', 'deployment', [deployment('orders'), deployment('gone')])
  const changes = t.list('d', 'deployment', [deployment('orders', { image: 'r/app:2' })])
  assert.deepEqual(
    changes.map((c) => [c.workload, c.images]),
    [['deployment/orders', ['r/app:2']]]
  )
  assert.equal(t.size, 1)
  assert.deepEqual(t.list('d', 'deployment', [deployment('orders', { image: 'r/app:2' })]), [])
  // Another stream's first list is its own baseline, and leaves this one's workloads alone.
  assert.deepEqual(t.list('s', 'statefulset', []), [])
  assert.equal(t.size, 1)
})

test('an annotation that names no experiment is ignored, said once', () => {
  const warn: string[] = []
  const t = tracker(warn)
  t.list('d', 'deployment', [deployment('odd', { experiment: 'Not A Name' })])
  t.event(
    'd',
    'deployment',
    'MODIFIED',
    deployment('odd', { experiment: 'Not A Name', image: 'x:2' })
  )
  assert.deepEqual(warn, [
    'workload watch: deployment/odd in shop: annotation ordeal.dev/experiment="Not A Name" is not an experiment name; ignored',
  ])
  assert.equal(t.size, 0)
})

test('any sequence of events: one change per distinct consecutive template, none from the baseline', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 30 }),
      fc.integer({ min: 1, max: 3 }),
      (tags, first) => {
        const t = tracker()
        t.list('d', 'deployment', [deployment('orders', { image: `r/app:${first}` })])
        let last = first
        let expected = 0
        let seen = 0
        for (const tag of tags) {
          if (tag !== last) {
            expected++
          }
          last = tag
          if (
            t.event('d', 'deployment', 'MODIFIED', deployment('orders', { image: `r/app:${tag}` }))
          ) {
            seen++
          }
        }
        assert.equal(seen, expected)
      }
    )
  )
})
