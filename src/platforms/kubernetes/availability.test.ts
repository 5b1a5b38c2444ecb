import { test } from 'node:test'
import assert from 'node:assert/strict'
import { availability } from './availability.js'

const ready = (name: string, terminating = false) => ({
  metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
})
const deployment = (status: Record<string, number>, generation = 1, replicas = 3) => ({
  metadata: { generation },
  spec: { replicas },
  status: { observedGeneration: 1, ...status },
})
const full = { updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }

test('fully available: every replica updated, ready, available, no pod terminating', () => {
  const a = availability('deployment', deployment(full), [ready('a'), ready('b'), ready('c')])
  assert.deepEqual(a, { available: true, detail: '3 of 3 replicas available' })
})

test('not yet: each reason names replicas or pods', () => {
  const pods = [ready('a'), ready('b'), ready('c')]
  assert.equal(
    availability('deployment', deployment({ ...full, availableReplicas: 1 }), pods).detail,
    '1 of 3 replicas available'
  )
  assert.match(
    availability('deployment', deployment(full, 2), pods).detail,
    /has not yet seen its latest spec \(generation 2, observed 1\)/
  )
  assert.equal(
    availability('deployment', deployment({ ...full, updatedReplicas: 2 }), pods).detail,
    '2 of 3 replicas updated'
  )
  // The status lags the pods: a deleted pod's replacement is not Ready yet.
  assert.equal(
    availability('deployment', deployment(full), [ready('a'), ready('b')]).detail,
    '2 of 3 replicas with a Ready pod'
  )
  assert.equal(
    availability('deployment', deployment(full), [...pods, ready('d', true)]).detail,
    '1 pod terminating (d)'
  )
  assert.equal(availability('deployment', undefined, []).detail, 'the workload does not exist')
})

test('a DaemonSet counts scheduled pods', () => {
  const ds = {
    metadata: { generation: 1 },
    status: {
      observedGeneration: 1,
      desiredNumberScheduled: 2,
      updatedNumberScheduled: 2,
      numberReady: 2,
      numberAvailable: 1,
    },
  }
  assert.equal(
    availability('daemonset', ds, [ready('a'), ready('b')]).detail,
    '1 of 2 replicas available'
  )
  ds.status.numberAvailable = 2
  assert.equal(availability('daemonset', ds, [ready('a'), ready('b')]).available, true)
})

test('scaled to zero is available with no pods', () => {
  assert.equal(availability('statefulset', deployment({}, 1, 0), []).available, true)
})
