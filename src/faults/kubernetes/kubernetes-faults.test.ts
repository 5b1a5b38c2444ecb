import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { ApiException, type V1Pod } from '@kubernetes/client-node'
import { kubeErrorStatus } from '../../safety/kube-request.js'
import { apiFailure } from './api-error.js'
import { describeNodes, describePods } from './describe.js'
import { budgetOf } from '../node-drain/evict.js'
import { checkCap, sortPods } from '../node-drain/index.js'
import { isolationId, labelValue, policyTypes } from '../network-isolate/index.js'
import { gracePeriodOf } from '../pod-delete/index.js'

const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/

function apiError(code: number, status: object): ApiException<string> {
  return new ApiException(code, 'x', JSON.stringify({ kind: 'Status', code, ...status }), {})
}

describe('API errors', () => {
  test('one line from the Status message, never the dumped object', () => {
    const error = apiError(403, { message: 'pods "web-1" is forbidden: User "x" cannot delete' })
    assert.equal(kubeErrorStatus(error), 403)
    assert.equal(
      apiFailure('pod-delete', error).message,
      'pod-delete: pods "web-1" is forbidden: User "x" cannot delete'
    )
  })

  test('without a Status: the code, or the first line of a transport error', () => {
    assert.equal(apiFailure('x', new ApiException(503, 'x', '', {})).message, 'x: HTTP 503')
    assert.equal(
      apiFailure('x', new Error('connect ECONNREFUSED 127.0.0.1:6443\nat ...')).message,
      'x: connect ECONNREFUSED 127.0.0.1:6443'
    )
  })
})

describe('node-drain', () => {
  const pod = (name: string, meta: Partial<NonNullable<V1Pod['metadata']>> = {}): V1Pod => ({
    metadata: { name, namespace: 'shop', uid: name, ...meta },
  })

  test('skips DaemonSet, mirror and terminating pods and denied namespaces', () => {
    const { evict, skipped } = sortPods(
      [
        pod('web'),
        pod('ds', {
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'log', uid: 'u', controller: true },
          ],
        }),
        pod('mirror', { annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
        pod('dns', { namespace: 'kube-system' }),
        pod('going', { deletionTimestamp: new Date() }),
      ],
      ['kube-system']
    )
    assert.deepEqual(
      evict.map((p) => p.metadata?.name),
      ['web']
    )
    assert.deepEqual(skipped, {
      'DaemonSet pod': 1,
      'mirror pod': 1,
      'pod in denied namespaces': 1,
    })
  })

  test('a 429 names the budget from the Status causes, else the Status message', () => {
    const refused = apiError(429, {
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently',
          },
        ],
      },
    })
    assert.equal(budgetOf(refused), 'PodDisruptionBudget web-pdb')
    assert.equal(budgetOf(apiError(429, { message: 'too many' })), 'too many')
  })
})

describe('network-isolate', () => {
  test('labelValue always gives a valid label value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        assert.match(labelValue(text), LABEL_VALUE)
      })
    )
    assert.equal(labelValue('run-2026-12-07T08:00'), 'run-2026-12-07T08-00')
  })

  test('isolationId is a stable 10-hex label value and name suffix, distinct per fault', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (run, a, b) => {
        assert.match(isolationId(run, a), /^[0-9a-f]{10}$/)
        assert.equal(isolationId(run, a), isolationId(run, a))
        fc.pre(a !== b)
        assert.notEqual(isolationId(run, a), isolationId(run, b))
      })
    )
  })

  test('policyTypes per direction', () => {
    assert.deepEqual(policyTypes('ingress'), ['Ingress'])
    assert.deepEqual(policyTypes('egress'), ['Egress'])
    assert.deepEqual(policyTypes('both'), ['Ingress', 'Egress'])
  })
})

describe('pod-delete', () => {
  test('grace period: 0 with force, gracePeriod rounded up to seconds, else the pod’s own', () => {
    assert.equal(gracePeriodOf({ force: true, gracePeriod: '30s' }), 0)
    assert.equal(gracePeriodOf({ gracePeriod: '1500ms' }), 2)
    assert.equal(gracePeriodOf({}), undefined)
  })
})

describe('dry-run words', () => {
  test('pods and nodes', () => {
    assert.equal(
      describePods({ workload: 'deployment/orders', mode: 'fixed', value: 2 }),
      "2 of the pods deployment/orders in the system's namespace"
    )
    assert.equal(
      describePods({ labels: { app: 'web' }, namespace: 'shop', mode: 'all' }),
      'all pods app=web in shop'
    )
    assert.equal(describeNodes({ name: 'node-2' }), 'node node-2')
    assert.equal(describeNodes({ labels: { pool: 'batch' } }), 'one of the nodes pool=batch')
  })
})

test('node-drain refuses more pods than maxPodsPerFault over all its nodes, at exactly the cap', () => {
  const pods = (n: number) => Array.from({ length: n }, () => ({}) as V1Pod)
  fc.assert(
    fc.property(fc.nat(5), fc.nat(5), fc.nat(10), (a, b, max) => {
      const plans = [
        { node: 'n1', evict: pods(a) },
        { node: 'n2', evict: pods(b) },
      ]
      if (a + b > max) {
        assert.throws(
          () => checkCap(plans, max),
          new RegExp(
            `^FaultInjectionError: node-drain: draining n1, n2 would evict ${a + b} pods, more than spec\\.system\\.kubernetes\\.maxPodsPerFault \\(${max}\\)$`
          )
        )
      } else {
        checkCap(plans, max)
      }
    })
  )
})
