import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Fault } from '../../experiment/model.js'
import type { Ledger } from '../../safety/ledger.js'
import { Journal } from '../journal.js'
import { runHostPartition } from './host-fault.js'

const fault = {
  id: 'cut',
  type: 'network-partition',
  afterMs: 0,
  durationMs: 60_000,
} as unknown as Fault

test('a stop that comes while the rules are being applied ends the hold at once (review 14b #8)', async () => {
  const stop = new AbortController()
  const journal = new Journal()
  const seen: string[] = []
  journal.subscribe((event) => seen.push(event.type))
  let healed = 0
  const started = Date.now()
  const value = await runHostPartition('s1', fault, [{ chain: 'OUTPUT', peer: '198.18.0.3' }], {
    runId: 'r1.a',
    journal,
    ledger: {} as Ledger,
    permission: {
      agent: 'edge-a',
      allowHostNetwork: true,
      centerAddresses: ['198.18.0.1'],
      localAddresses: ['127.0.0.1', '198.18.0.2'],
    },
    signal: stop.signal,
    deadlineSlackMs: 5_000,
    ruleSet: () => ({
      apply: () => {
        stop.abort() // the part stops (or aborts) while iptables-restore runs
        return Promise.resolve()
      },
      heal: () => {
        healed++
        return Promise.resolve()
      },
    }),
  })
  assert.deepEqual(value, {})
  assert.equal(healed, 1)
  assert.ok(Date.now() - started < 10_000, 'the rules were held past the stop')
  assert.deepEqual(seen, ['fault.injected', 'fault.reverted'])
})
