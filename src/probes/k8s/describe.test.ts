import { test } from 'node:test'
import assert from 'node:assert/strict'
import { k8sProbe } from './index.js'
import type { ProbeParamsOf } from '../contract.js'

const base = { name: 'p', mode: 'EOT', type: 'k8s' } as const

test('describe says what is read and what is expected, in one line', () => {
  const describe = (p: Omit<ProbeParamsOf<'k8s'>, 'name' | 'mode' | 'type'>) =>
    k8sProbe.describe({ ...base, ...p } as ProbeParamsOf<'k8s'>)
  assert.equal(
    describe({
      resource: { group: 'apps', version: 'v1', resource: 'deployments', name: 'orders' },
      operation: 'compare',
      jsonPath: '{.status.availableReplicas}',
      equalsJsonPath: 'spec.replicas',
    }),
    'k8s apps/v1 deployments/orders: status.availableReplicas equal to spec.replicas'
  )
  assert.equal(
    describe({
      resource: { version: 'v1', resource: 'pods', namespace: 'shop', labelSelector: 'app=orders' },
      operation: 'absent',
    }),
    'k8s v1 pods app=orders in shop: absent'
  )
  assert.equal(
    describe({
      resource: { version: 'v1', resource: 'nodes' },
      operation: 'compare',
      jsonPath: 'spec.unschedulable',
      comparator: { type: 'string', criteria: 'equal', value: 'true' },
    }),
    'k8s v1 nodes: spec.unschedulable equal "true"'
  )
})

test('without a cluster the probe fails saying what it needs', async () => {
  const outcome = await k8sProbe.check(
    { ...base, resource: { version: 'v1', resource: 'nodes' }, operation: 'present' },
    { signal: new AbortController().signal, timeoutMs: 1000, vars: {}, baseDir: '.' }
  )
  assert.deepEqual(outcome, {
    passed: false,
    message: 'no cluster: the k8s probe needs spec.system.kubernetes',
  })
})
