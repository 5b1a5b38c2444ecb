import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiException } from '@kubernetes/client-node'
import {
  apiUrl,
  KubeApiError,
  kubeErrorMessage,
  kubeErrorStatus,
  statusMessage,
} from './kube-request.js'

const forbidden = {
  kind: 'Status',
  status: 'Failure',
  message: 'pods "x" is forbidden: User "u" cannot delete resource "pods"',
  reason: 'Forbidden',
  code: 403,
}

test("an ApiException is its Status message, never client-node's multi-line dump", () => {
  const asText = new ApiException(403, 'Unknown API Status Code!', JSON.stringify(forbidden), {})
  assert.equal(kubeErrorMessage(asText), forbidden.message)
  const asObject = new ApiException(403, 'Unknown API Status Code!', forbidden, {})
  assert.equal(kubeErrorMessage(asObject), forbidden.message)
  assert.equal(kubeErrorStatus(asObject), 403)
  assert.equal(kubeErrorMessage(new ApiException(500, 'x', undefined, {})), 'HTTP 500')
})

test('network errors keep their reason; a watch refusal says its status', () => {
  const fetchError = new Error(
    'request to https://127.0.0.1:6443/api/v1/pods failed, reason: connect ECONNREFUSED 127.0.0.1:6443'
  )
  assert.equal(kubeErrorMessage(fetchError), 'connect ECONNREFUSED 127.0.0.1:6443')
  assert.equal(
    kubeErrorMessage(Object.assign(new Error('Forbidden'), { statusCode: 403 })),
    'HTTP 403 Forbidden'
  )
  assert.equal(kubeErrorMessage(new KubeApiError(409, 'conflict', {})), 'conflict')
  assert.equal(kubeErrorStatus(new Error('x')), undefined)
})

test('API paths go under the server URL, its path prefix kept', () => {
  assert.equal(apiUrl('https://127.0.0.1:6443', '/api/v1').href, 'https://127.0.0.1:6443/api/v1')
  assert.equal(
    apiUrl('https://rancher.example/k8s/clusters/c-1/', '/apis/apps/v1?limit=5').href,
    'https://rancher.example/k8s/clusters/c-1/apis/apps/v1?limit=5'
  )
})

test("a Status answer's message in one line, else the status and an excerpt", () => {
  assert.equal(
    statusMessage({
      status: 403,
      body: { kind: 'Status', message: 'pods is forbidden:\n  User "x" cannot list' },
    }),
    'pods is forbidden: User "x" cannot list'
  )
  assert.equal(
    statusMessage({ status: 502, body: '<html>\n Bad gateway </html>' }),
    'HTTP 502: <html> Bad gateway </html>'
  )
  assert.equal(statusMessage({ status: 500, body: {} }), 'HTTP 500')
  assert.equal(statusMessage({ status: 500, body: undefined }), 'HTTP 500')
})
