import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Experiment, Fault } from '../../../experiment/model.js'
import { faultParts } from './targets.js'

const addresses = new Map([
  ['a', '198.18.0.2'],
  ['b', '198.18.0.3'],
  ['c', '198.18.0.4'],
])

const experiment = {
  system: {
    services: [
      { name: 'api', agent: 'a' },
      { name: 'db', agent: 'b' },
    ],
  },
} as unknown as Experiment

function fault(params: Record<string, unknown>, agent?: string): Fault {
  return {
    id: 'run.0',
    type: String(params['type']),
    afterMs: 0,
    durationMs: 1_000,
    params: params as never,
    ...(agent === undefined ? {} : { agent }),
  }
}

const sides = (parts: ReturnType<typeof faultParts>) =>
  typeof parts === 'string'
    ? parts
    : Object.fromEntries(
        parts.map((p) => [p.logical, p.rules?.map((r) => `${r.chain} ${r.peer}`).sort()])
      )

describe('faultParts', () => {
  test('a partition between agents: each side drops the other, once per rule', () => {
    const parts = faultParts(
      experiment,
      fault({ type: 'network-partition', between: [['agent:a'], ['agent:b', 'agent:c']] }),
      addresses
    )
    assert.deepEqual(sides(parts), {
      a: ['INPUT 198.18.0.3', 'INPUT 198.18.0.4', 'OUTPUT 198.18.0.3', 'OUTPUT 198.18.0.4'],
      b: ['INPUT 198.18.0.2', 'OUTPUT 198.18.0.2'],
      c: ['INPUT 198.18.0.2', 'OUTPUT 198.18.0.2'],
    })
  })

  test("one-way: the first group's sending side only", () => {
    const parts = faultParts(
      experiment,
      fault({
        type: 'network-partition',
        between: [['agent:a'], ['agent:b']],
        direction: 'one-way',
      }),
      addresses
    )
    assert.deepEqual(sides(parts), { a: ['OUTPUT 198.18.0.3'], b: ['INPUT 198.18.0.2'] })
  })

  test('a partition naming something else than a part is refused in one line', () => {
    const parts = faultParts(
      experiment,
      fault({ type: 'network-partition', between: [['agent:a'], ['agent:z']] }),
      addresses
    )
    assert.equal(
      parts,
      "partition group member agent:z is not agent:NAME of one of the run's parts"
    )
  })

  test("any other fault: fault.agent, else its target service's agent", () => {
    const kill = { type: 'process-kill', target: { service: 'db' } }
    assert.deepEqual(faultParts(experiment, fault(kill), addresses), [{ logical: 'b' }])
    assert.deepEqual(faultParts(experiment, fault(kill, 'c'), addresses), [{ logical: 'c' }])
    assert.match(
      String(faultParts(experiment, fault({ type: 'disk-fill' }), addresses)),
      /^fault run\.0 names no agent/
    )
  })
})
