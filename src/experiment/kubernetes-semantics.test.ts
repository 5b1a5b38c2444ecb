/**
 * Kubernetes manifests refused at validation (exit 2), one line naming the field: no cluster
 * for a Kubernetes fault or k8s probe, a namespace of the deny list, a selector that does not
 * parse, a cluster in a multi-host experiment, a process target on a pod fault.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from './load.js'

function load(system: string, fault: string, probes = ''): string {
  const text = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k }
spec:
  hypothesis: h
  system:
${system}
${probes}
  steps:
    - fault: ${fault}
`
  try {
    loadExperimentText(text, 'k.yaml')
    return 'ok'
  } catch (error) {
    return (error as Error).message
  }
}
const shop = '    kubernetes: { namespace: shop }'
const del = (pods: string) => `{ type: pod-delete, pods: ${pods}, duration: 1s }`

test('a Kubernetes fault or k8s probe without spec.system.kubernetes', () => {
  assert.equal(
    load('    services: []', del('{ workload: deployment/orders }')),
    'k.yaml:10: spec.steps[0].fault.type: pod-delete acts on a Kubernetes cluster: set spec.system.kubernetes (at least its namespace)'
  )
  assert.match(
    load(
      shop.replace('kubernetes: { namespace: shop }', 'services: []'),
      '{ type: workload-scale, workload: deployment/x, replicas: 0, duration: 1s }',
      '  probes:\n    - { name: p, type: k8s, mode: SOT, resource: { version: v1, resource: pods }, operation: present }'
    ),
    /^k\.yaml:9: spec\.probes\[0\]\.type: probe p \(k8s\) acts on a Kubernetes cluster/
  )
})

test('namespaces of the deny list, wherever the manifest names them, unless allowed', () => {
  assert.equal(
    load('    kubernetes: { namespace: kube-system }', del('{ labels: { a: b } }')),
    'k.yaml:7: spec.system.kubernetes.namespace: namespace "kube-system" is in the deny list (kube-system, kube-public, kube-node-lease); list it in spec.system.kubernetes.allowNamespaces to allow it'
  )
  assert.equal(
    load(
      '    kubernetes: { namespace: kube-system, allowNamespaces: [kube-system] }',
      del('{ labels: { a: b } }')
    ),
    'ok'
  )
  assert.match(
    load(shop, del('{ namespace: kube-public, labels: { a: b } }')),
    /^k\.yaml:10: spec\.steps\[0\]\.fault\.pods\.namespace: namespace "kube-public" is in the deny list/
  )
  assert.match(
    load(
      '    kubernetes: { namespace: shop, denyNamespaces: [prod] }',
      '{ type: workload-scale, workload: deployment/x, namespace: prod, replicas: 0, duration: 1s }'
    ),
    /fault\.namespace: namespace "prod" is in the deny list \(kube-system, kube-public, kube-node-lease, prod\)/
  )
})

test('selector syntax errors name the field', () => {
  assert.match(
    load(shop, del('{ selector: "tier in web" }')),
    /^k\.yaml:10: spec\.steps\[0\]\.fault\.pods\.selector: "tier in web" is not a requirement/
  )
  assert.match(
    load(shop, '{ type: network-isolate, pods: { fieldSelector: "spec.nodeName" }, duration: 1s }'),
    /fault\.pods\.fieldSelector: "spec\.nodeName" is not a field requirement/
  )
  assert.match(
    load(shop, '{ type: node-cordon, nodes: { selector: "a in (" }, duration: 1s }'),
    /fault\.nodes\.selector: has unbalanced parentheses$/
  )
  assert.equal(load(shop, del('{ labels: { app: x }, selector: "tier in (a, b),!canary" }')), 'ok')
})

test('network-isolate is not a host network fault; a process target on a pod fault says pods', () => {
  assert.equal(
    load(shop, '{ type: network-isolate, pods: { labels: { app: x } }, duration: 1s }'),
    'ok'
  )
  assert.match(
    load(shop, '{ type: pod-delete, target: { service: x }, duration: 1s }'),
    /fault\.target: unknown field \(pod-delete acts on pods: pods: \{ workload: deployment\/NAME \}/
  )
})

test('a cluster in a multi-host experiment is refused', () => {
  assert.match(
    load(`${shop}\n    agents: [{ name: a }]`, del('{ labels: { a: b } }')),
    /^k\.yaml:7: spec\.system\.kubernetes: is not supported in a multi-host experiment/
  )
})
