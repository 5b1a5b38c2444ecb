/** Which triggers an event reaches: kubernetes events only from the agents a trigger accepts. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { reaches, windowAgent } from './match.js'
import type { DeclaredTrigger } from './declared.js'
import type { TriggerEvent } from './contract.js'

const trigger = (extra: Partial<DeclaredTrigger> = {}): DeclaredTrigger => ({
  experimentId: 'exp_1',
  experimentName: 'orders',
  name: 'on-deploy',
  on: 'kubernetes',
  conditions: [],
  conditionType: 'and',
  debounceMs: 30_000,
  ...extra,
})

const changed = (agent: string, extra: Partial<TriggerEvent> = {}): TriggerEvent => ({
  source: 'kubernetes',
  agent,
  agentLabels: agent === 'prod' ? { env: 'prod' } : { env: 'staging' },
  app: 'deployment/orders',
  experiment: 'orders',
  fields: { namespace: 'shop', workload: 'deployment/orders' },
  summary: 'kubernetes: deployment/orders in shop changed',
  ...extra,
})

test('a trigger placed on an agent takes kubernetes events from that agent only', () => {
  const placed = trigger({ placement: { agent: 'prod' } })
  assert.equal(reaches(placed, changed('prod')), true)
  assert.equal(reaches(placed, changed('staging')), false)
  const { agent: _none, ...anonymous } = changed('prod')
  assert.equal(reaches(placed, anonymous), false)
})

test('a trigger placed by labels takes events from agents carrying them', () => {
  const placed = trigger({ placement: { labels: { env: 'prod' } } })
  assert.equal(reaches(placed, changed('prod')), true)
  assert.equal(reaches(placed, changed('staging')), false)
  assert.equal(reaches(placed, changed('prod', { agentLabels: {} })), false)
})

test('app with a namespace names that workload only in that namespace', () => {
  assert.equal(reaches(trigger({ app: 'deployment/orders' }), changed('prod')), true)
  assert.equal(reaches(trigger({ app: 'shop/deployment/orders' }), changed('prod')), true)
  assert.equal(reaches(trigger({ app: 'other/deployment/orders' }), changed('prod')), false)
  assert.equal(reaches(trigger({ app: 'deployment/billing' }), changed('prod')), false)
})

test('without placement, windows are per reporting agent; with it, one per trigger', () => {
  assert.equal(windowAgent(trigger(), changed('prod')), 'prod')
  assert.equal(windowAgent(trigger(), changed('staging')), 'staging')
  assert.equal(windowAgent(trigger({ placement: { agent: 'prod' } }), changed('prod')), undefined)
  const hook = trigger({ on: 'webhook', hook: 'ci' })
  assert.equal(
    windowAgent(hook, { source: 'webhook', hook: 'ci', fields: {}, summary: '' }),
    undefined
  )
})
