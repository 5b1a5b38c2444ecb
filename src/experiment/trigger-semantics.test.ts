/**
 * `spec.triggers` refused at validation (exit 2), one line naming the field and its line.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from './load.js'

function load(triggers: string): string {
  const text = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: t }
spec:
  hypothesis: h
  steps:
    - wait: 1s
  triggers:
${triggers}
`
  try {
    loadExperimentText(text, 't.yaml')
    return 'ok'
  } catch (error) {
    return (error as Error).message
  }
}

test('a deploy trigger with conditions loads', () => {
  assert.equal(
    load(`    - name: deployed
      on: argocd
      hook: argo
      app: orders
      debounce: 1m
      conditions:
        - { key: healthStatus, operator: EqualTo, value: Healthy }
        - { key: revision, operator: Change }
        - { key: replicas, operator: GreaterThanEqualTo, value: '2' }
        - { key: revision, operator: Matches, value: 'v1.*' }
    - name: rollout
      on: kubernetes
      agent: edge-1`),
    'ok'
  )
})

test('a condition without the value its operator needs, or with a value Change does not take', () => {
  const one = (condition: string) =>
    load(`    - name: x
      on: webhook
      hook: h
      conditions:
        - ${condition}`)
  assert.equal(
    one('{ key: app, operator: EqualTo }'),
    't.yaml:13: spec.triggers[0].conditions[0].value: EqualTo needs a value'
  )
  assert.equal(
    one("{ key: n, operator: LessThan, value: 'ten' }"),
    't.yaml:13: spec.triggers[0].conditions[0].value: LessThan compares numbers: the value must be a number'
  )
  assert.equal(
    one(`{ key: app, operator: Matches, value: '${'a*'.repeat(101)}' }`),
    't.yaml:13: spec.triggers[0].conditions[0].value: Matches takes a glob of at most 200 characters (* any run, ? one character)'
  )
  assert.equal(
    one("{ key: app, operator: Change, value: 'x' }"),
    't.yaml:13: spec.triggers[0].conditions[0].value: Change compares with the previous event: give no value'
  )
})

test('a trigger on a hook source without its hook, duplicate names, agent and labels both', () => {
  assert.equal(
    load(`    - { name: a, on: flux }`),
    't.yaml:9: spec.triggers[0].hook: a trigger on flux needs the hook it listens to'
  )
  assert.equal(
    load(`    - { name: a, on: kubernetes }
    - { name: a, on: kubernetes }`),
    "t.yaml:10: spec.triggers[1].name: duplicate trigger name 'a'"
  )
  assert.equal(
    load(`    - { name: a, on: kubernetes, agent: x, labels: { zone: eu } }`),
    't.yaml:9: spec.triggers[0]: give agent or labels, not both'
  )
})
