/**
 * The k8s probe's resource, checked at validation (exit 2, one line naming the field): never
 * Secrets (their values would reach the journal), and a group and version that cannot reshape
 * the request path they go into.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { loadExperimentText } from '../../experiment/load.js'

function load(resource: string): string {
  const text = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k }
spec:
  hypothesis: h
  system:
    kubernetes: { namespace: shop }
  probes:
    - { name: p, type: k8s, mode: EOT, resource: ${resource}, operation: present }
  steps:
    - wait: 1s
`
  try {
    loadExperimentText(text, 'k.yaml')
    return 'ok'
  } catch (error) {
    return (error as Error).message
  }
}

test('resource secrets is refused in one line', () => {
  assert.equal(
    load('{ version: v1, resource: secrets, name: agent-token }'),
    'k.yaml:9: spec.probes[0].resource.resource: ordeal never reads Secrets: their values would land in the journal'
  )
})

test('group is a DNS subdomain or empty; version is v1, v2beta1, v1alpha1', () => {
  for (const ok of [
    '{ version: v1, resource: pods }',
    "{ group: '', version: v1, resource: pods }",
    '{ group: apps, version: v1, resource: deployments }',
    '{ group: networking.k8s.io, version: v1, resource: networkpolicies }',
    '{ group: autoscaling, version: v2beta2, resource: horizontalpodautoscalers }',
    '{ group: flowcontrol.apiserver.k8s.io, version: v1alpha1, resource: flowschemas }',
  ]) {
    assert.equal(load(ok), 'ok', ok)
  }
  assert.equal(
    load("{ group: '..', version: v1, resource: pods }"),
    'k.yaml:9: spec.probes[0].resource.group: must be an API group (a DNS subdomain like apps or networking.k8s.io), or empty for the core group'
  )
  assert.equal(
    load("{ version: 'v1?x=', resource: pods }"),
    'k.yaml:9: spec.probes[0].resource.version: must be an API version like v1 or v2beta1'
  )
})

test('no group or version that passes holds a path, query or fragment character', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (group, version) => {
      const quoted = (v: string) => JSON.stringify(v)
      const answer = load(
        `{ group: ${quoted(group)}, version: ${quoted(version)}, resource: pods }`
      )
      if (answer === 'ok') {
        assert.doesNotMatch(group + version, /[/?#%\s.]{2}|[/?#%\s]/)
      }
    })
  )
})
