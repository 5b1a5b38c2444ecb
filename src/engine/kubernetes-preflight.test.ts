import { test } from 'node:test'
import assert from 'node:assert/strict'
import { clusterReferences } from './kubernetes-preflight.js'

test('every k8s probe resource and workload: field, with its path and namespace', () => {
  const data = {
    spec: {
      system: { kubernetes: { namespace: 'shop' } },
      probes: [
        {
          name: 'p',
          type: 'k8s',
          resource: { group: 'apps', version: 'v1', resource: 'deployments', name: 'web' },
        },
        { name: 'h', type: 'http', url: 'http://x' },
      ],
      steps: [
        { fault: { type: 'pod-delete', pods: { workload: 'deployment/web', namespace: 'other' } } },
        { fault: { type: 'workload-scale', workload: 'statefulset/db', replicas: 0 } },
        { steps: [{ fault: { type: 'cpu-hog', workload: 'not-a-kube-ref' } }] },
      ],
    },
  }
  assert.deepEqual(clusterReferences(data, 'shop'), [
    {
      kind: 'resource',
      path: ['spec', 'probes', 0, 'resource'],
      ref: { group: 'apps', version: 'v1', resource: 'deployments' },
    },
    {
      kind: 'workload',
      path: ['spec', 'steps', 0, 'fault', 'pods', 'workload'],
      workload: { kind: 'deployment', name: 'web', namespace: 'other' },
    },
    {
      kind: 'workload',
      path: ['spec', 'steps', 1, 'fault', 'workload'],
      workload: { kind: 'statefulset', name: 'db', namespace: 'shop' },
    },
  ])
})
