import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ago, choose, hasFreeSlot, matches, type AgentView } from './placement.js'

const agent = (name: string, over: Partial<AgentView> = {}): AgentView => ({
  name,
  labels: {},
  connected: true,
  maxRuns: 1,
  running: [],
  features: ['parts'],
  ...over,
})

test('by name: the agent when connected and free, else why not', () => {
  const now = 1_000_000
  assert.deepEqual(choose({ agent: 'edge-1' }, [agent('edge-1')], now), { agent: 'edge-1' })
  assert.deepEqual(choose({ agent: 'edge-1' }, [agent('edge-1', { running: ['R'] })], now), {
    reason: 'agent edge-1 is busy (run R, 1 of 1)',
  })
  assert.deepEqual(choose({ agent: 'edge-1' }, [agent('edge-2')], now), {
    reason: 'no agent named edge-1 is connected (never connected)',
  })
  const gone = agent('edge-1', { connected: false, maxRuns: 0, lastSeenAt: now - 3 * 60_000 })
  assert.deepEqual(choose({ agent: 'edge-1' }, [gone], now), {
    reason: 'no agent named edge-1 is connected (last seen 3m ago)',
  })
})

test('by labels: every label must match; the least busy wins, then the first by name', () => {
  const eu = { zone: 'eu' }
  const agents = [
    agent('c', { labels: { zone: 'eu', tier: 'edge' }, maxRuns: 4, running: ['x'] }),
    agent('b', { labels: { zone: 'eu' }, maxRuns: 4, running: ['y'] }),
    agent('a', { labels: { zone: 'us' } }),
  ]
  assert.deepEqual(choose({ labels: eu }, agents, 0), { agent: 'b' })
  assert.deepEqual(choose({ labels: { zone: 'eu', tier: 'edge' } }, agents, 0), { agent: 'c' })
  assert.deepEqual(choose({ labels: { zone: 'mars' } }, agents, 0), {
    reason: 'no connected agent has labels zone=mars',
  })
  const busy = [agent('b', { labels: eu, running: ['y'] })]
  assert.deepEqual(choose({ labels: { zone: 'eu' } }, busy, 0), {
    reason: 'every connected agent with labels zone=eu is busy',
  })
  // Disconnected agents never take a run, whatever their labels.
  assert.deepEqual(choose({ labels: eu }, [agent('d', { labels: eu, connected: false })], 0), {
    reason: 'no connected agent has labels zone=eu',
  })
})

const labelArb = fc.dictionary(fc.constantFrom('zone', 'tier', 'os'), fc.constantFrom('a', 'b'))
const viewArb = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  labels: labelArb,
  connected: fc.boolean(),
  maxRuns: fc.integer({ min: 1, max: 3 }),
  running: fc.array(fc.constant('r'), { maxLength: 3 }),
})

test('the chosen agent always matches, is connected and free, and no free match is less busy', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ agent: fc.constantFrom('a', 'b', 'z') }),
        fc.record({ labels: labelArb })
      ),
      fc.uniqueArray(viewArb, { selector: (v) => v.name, maxLength: 5 }),
      (placement, agents) => {
        const choice = choose(placement, agents, 0)
        const free = agents.filter((v) => v.connected && hasFreeSlot(v) && matches(placement, v))
        if ('reason' in choice) {
          assert.equal(free.length, 0)
          return
        }
        assert.ok('agent' in choice)
        const chosen = agents.find((v) => v.name === choice.agent)!
        assert.ok(free.includes(chosen))
        for (const other of free) {
          assert.ok(
            chosen.running.length < other.running.length ||
              (chosen.running.length === other.running.length && chosen.name <= other.name)
          )
        }
      }
    )
  )
})

test('"ago" is coarse, so a waiting run is not re-published every second', () => {
  assert.equal(ago(59_999), 'under a minute')
  assert.equal(ago(60_000), '1m')
  assert.equal(ago(2 * 3_600_000 + 5), '2h')
  assert.equal(ago(3 * 86_400_000), '3d')
})

test('parts: every named agent connected and free at once, else the first that is not', () => {
  const now = 1_000_000
  const parts = { a: 'edge-1', b: 'edge-2' }
  assert.deepEqual(choose({ parts }, [agent('edge-1'), agent('edge-2')], now), { parts })
  const gone = agent('edge-2', { connected: false, maxRuns: 0, lastSeenAt: now - 3 * 60_000 })
  assert.deepEqual(choose({ parts }, [agent('edge-1'), gone], now), {
    reason: 'agent edge-2 (b) is not connected (last seen 3m ago)',
  })
  assert.deepEqual(choose({ parts }, [agent('edge-1')], now), {
    reason: 'agent edge-2 (b) is not connected (never connected)',
  })
  assert.deepEqual(choose({ parts }, [agent('edge-1', { running: ['X'] }), agent('edge-2')], now), {
    reason: 'agent edge-1 (a) is busy (run X, 1 of 1)',
  })
  // An agent whose hello did not offer `parts` runs none (an older agent would drop `part`).
  assert.deepEqual(choose({ parts }, [agent('edge-1', { features: [] }), agent('edge-2')], now), {
    reason: "agent edge-1 (a) is too old for multi-host runs (no 'parts' feature)",
  })
  assert.deepEqual(
    choose({ parts }, [agent('edge-1'), agent('edge-2', { features: undefined })], now),
    { reason: "agent edge-2 (b) is too old for multi-host runs (no 'parts' feature)" }
  )
})

test('parts (property): chosen only when every agent is connected, offers parts and is free', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1 }),
      fc.array(
        fc.record({
          name: fc.constantFrom('x', 'y', 'z'),
          labels: labelArb,
          connected: fc.boolean(),
          maxRuns: fc.integer({ min: 1, max: 3 }),
          running: fc.array(fc.constant('r'), { maxLength: 3 }),
          features: fc.constantFrom<string[]>([], ['parts']),
        }),
        { maxLength: 5 }
      ),
      (names, views) => {
        const parts = Object.fromEntries(
          names.map((name, i) => [String.fromCharCode(97 + i), name])
        )
        const agents = views.filter((v, i) => views.findIndex((w) => w.name === v.name) === i)
        const choice = choose({ parts }, agents, 0)
        const fits = names.every((name) => {
          const view = agents.find((v) => v.name === name && v.connected)
          return (
            view !== undefined &&
            view.features.includes('parts') &&
            view.running.length < view.maxRuns
          )
        })
        assert.equal('parts' in choice, fits)
        if ('reason' in choice) {
          assert.match(choice.reason, /^agent [a-z] \([a-c]\) is (busy|not connected|too old)/)
        }
      }
    )
  )
})
