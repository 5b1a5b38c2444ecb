import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { Experiment, Fault } from '../../../experiment/model.js'
import { faultParts, type PartSite } from './targets.js'

const site = (n: number, address: string, onCenterHost = false): PartSite => ({
  agent: `edge-${n}`,
  address,
  onCenterHost,
})

const addresses = new Map([
  ['a', site(1, '198.18.0.2')],
  ['b', site(2, '198.18.0.3')],
  ['c', site(3, '198.18.0.4')],
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

  const partition = fault({ type: 'network-partition', between: [['agent:a'], ['agent:b']] })

  test("a part on the Chaos Center's host: the whole partition is refused, no side sent", () => {
    // b connects over the Center's LAN address: its rules would drop a in the Center's own
    // namespace, cutting the Center's socket to a.
    const sites = new Map([...addresses, ['b', site(2, '198.18.0.3', true)]])
    assert.equal(
      faultParts(experiment, partition, sites),
      "the partition would cut the Chaos Center off agent edge-2 (b): it runs on the Chaos Center's host"
    )
  })

  test('parts on opposite sides at one address (one host, one NAT) are refused', () => {
    const sites = new Map([...addresses, ['b', site(2, '198.18.0.2')]])
    assert.equal(
      faultParts(experiment, partition, sites),
      'the partition cannot separate agent edge-1 (a) from agent edge-2 (b): both are at 198.18.0.2 (one host, or one NAT or proxy, for both)'
    )
    // On the same side they may share it: nothing drops it.
    const same = faultParts(
      experiment,
      fault({ type: 'network-partition', between: [['agent:a', 'agent:b'], ['agent:c']] }),
      sites
    )
    assert.deepEqual(sides(same), {
      a: ['INPUT 198.18.0.4', 'OUTPUT 198.18.0.4'],
      b: ['INPUT 198.18.0.4', 'OUTPUT 198.18.0.4'],
      c: ['INPUT 198.18.0.2', 'OUTPUT 198.18.0.2'],
    })
  })

  test('no part ever drops its own address or a Center-host part is sent rules', () => {
    const arbitrary = fc.record({
      addresses: fc.array(fc.constantFrom('198.18.0.2', '198.18.0.3', '198.18.0.4'), {
        minLength: 3,
        maxLength: 3,
      }),
      central: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      groups: fc.array(fc.nat(2), { minLength: 3, maxLength: 3 }),
      direction: fc.constantFrom('both', 'one-way'),
    })
    fc.assert(
      fc.property(arbitrary, ({ addresses: at, central, groups, direction }) => {
        const names = ['a', 'b', 'c']
        const sites = new Map(names.map((n, i) => [n, site(i, at[i]!, central[i])]))
        const between = [0, 1, 2]
          .map((g) => names.filter((_, i) => groups[i] === g).map((n) => `agent:${n}`))
          .filter((group) => group.length > 0)
        fc.pre(between.length >= 2)
        const parts = faultParts(
          experiment,
          fault({ type: 'network-partition', between, direction }),
          sites
        )
        if (typeof parts === 'string') {
          return
        }
        for (const part of parts) {
          const own = sites.get(part.logical)!
          assert.ok(!own.onCenterHost)
          assert.ok(part.rules!.every((r) => r.peer !== own.address))
        }
      })
    )
  })
})
