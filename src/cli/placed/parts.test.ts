import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { checkPlacementAgainst, parseAgentFlags, partsPlanLines } from './parts.js'
import { loadExperimentText } from '../../experiment/load.js'
import { UsageError } from '../exit.js'

/** The one line a UsageError prints. */
function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error))
    return error.message
  }
  assert.fail('no error')
}

test('--agent NAME is one agent; --agent L=NAME repeated maps each logical agent', () => {
  assert.equal(parseAgentFlags([]), undefined)
  assert.deepEqual(parseAgentFlags(['edge-1']), { agent: 'edge-1' })
  assert.deepEqual(parseAgentFlags(['a=edge-1', 'b=edge-2']), {
    parts: { a: 'edge-1', b: 'edge-2' },
  })
})

test('bad --agent values are one line each', () => {
  assert.equal(
    refusal(() => parseAgentFlags(['edge-1', 'a=edge-2'])),
    'ordeal run: --agent edge-1 and --agent a=edge-2: give one --agent NAME, or --agent L=NAME for each logical agent, not both'
  )
  assert.equal(
    refusal(() => parseAgentFlags(['edge-1', 'edge-2'])),
    'ordeal run: --agent edge-1 and --agent edge-2: a run goes to one agent, or give --agent L=NAME for each logical agent of spec.system.agents'
  )
  assert.equal(
    refusal(() => parseAgentFlags(['a=edge-1', 'b=edge-1'])),
    'ordeal run: --agent a=edge-1 and --agent b=edge-1 name the same agent; two logical hosts cannot share one'
  )
  assert.equal(
    refusal(() => parseAgentFlags(['a=edge-1', 'a=edge-2'])),
    'ordeal run: --agent a= is given twice'
  )
  assert.equal(
    refusal(() => parseAgentFlags(['A=edge-1'])),
    "ordeal run: --agent 'A=edge-1': 'A' is not a logical agent name (lowercase letters, digits and '-', at most 63)"
  )
  assert.equal(
    refusal(() => parseAgentFlags(['a=Edge_1'])),
    "ordeal run: --agent 'a=Edge_1': 'Edge_1' is not an agent name (lowercase letters, digits and '-', at most 63)"
  )
  assert.equal(
    refusal(() => parseAgentFlags(['Edge'])),
    "ordeal run: --agent 'Edge' is not an agent name (lowercase letters, digits and '-', at most 63)"
  )
})

test('the logical agents given must be exactly the manifest’s', () => {
  const parts = { parts: { a: 'edge-1', b: 'edge-2' } }
  checkPlacementAgainst('x.yaml', ['a', 'b'], parts)
  checkPlacementAgainst('x.yaml', [], { agent: 'edge-1' })
  checkPlacementAgainst('x.yaml', [], undefined)
  assert.equal(
    refusal(() => checkPlacementAgainst('x.yaml', ['a', 'b'], { parts: { a: 'edge-1' } })),
    'ordeal run: logical agent b has no --agent b=NAME'
  )
  assert.equal(
    refusal(() =>
      checkPlacementAgainst('x.yaml', ['api', 'db'], { parts: { api: 'e1', dbb: 'e2' } })
    ),
    "ordeal run: --agent dbb=e2: no logical agent named 'dbb' in spec.system.agents of x.yaml (did you mean 'db'?)"
  )
  assert.equal(
    refusal(() => checkPlacementAgainst('x.yaml', [], parts)),
    'ordeal run: --agent a=edge-1 places a logical agent, but x.yaml declares no spec.system.agents (use --agent edge-1)'
  )
  const local =
    'x.yaml: spec.system.agents declares agents a, b: run it on agents with --server URL --agent a=NAME --agent b=NAME'
  assert.equal(
    refusal(() => checkPlacementAgainst('x.yaml', ['a', 'b'], undefined)),
    local
  )
  assert.equal(
    refusal(() => checkPlacementAgainst('x.yaml', ['a', 'b'], { agent: 'edge-1' })),
    local
  )
  assert.equal(
    refusal(() => checkPlacementAgainst('x.yaml', ['a', 'b'], { labels: { zone: 'eu' } })),
    local
  )
})

test('any set of distinct logical agents on distinct agents parses back to the same map', () => {
  const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/)
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(name, name), {
        minLength: 1,
        maxLength: 6,
        selector: ([l]) => l,
      }),
      (pairs) => {
        fc.pre(new Set(pairs.map(([, a]) => a)).size === pairs.length)
        const parsed = parseAgentFlags(pairs.map(([l, a]) => `${l}=${a}`))
        assert.deepEqual(parsed, { parts: Object.fromEntries(pairs) })
        checkPlacementAgainst(
          'x.yaml',
          pairs.map(([l]) => l),
          parsed
        )
      }
    )
  )
})

test('the dry-run plan of a multi-host manifest says which host does what', () => {
  const text = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: plan }
spec:
  hypothesis: h
  system:
    agents: [{ name: a }, { name: b }, { name: c }]
    services:
      - { name: api, agent: a, command: node }
      - { name: db, agent: b, command: node }
  probes:
    - { name: up, type: tcp, mode: SOT, agent: a, host: 127.0.0.1, port: 1 }
  steps:
    - fault: { type: network-partition, between: [[agent:a], [agent:b]], duration: 1s }
    - { name: kill-db, fault: { type: process-kill, target: { service: db }, duration: 1s } }
    - { name: traffic, agent: a, load: { url: 'http://127.0.0.1:1/', rate: 1, duration: 1s } }
`
  const experiment = loadExperimentText(text, 'x.yaml', { env: {} })
  assert.deepEqual(partsPlanLines(experiment), [
    'hosts (spec.system.agents; each runs on the agent given with --agent L=NAME):',
    '  a: service api, probe up, fault network-partition between agent:a and agent:b, load traffic',
    '  b: service db, fault network-partition between agent:a and agent:b, fault kill-db',
    '  c: nothing',
    '',
  ])
  assert.deepEqual(
    partsPlanLines({ ...experiment, system: { ...experiment.system, agents: [] } }),
    []
  )
})
