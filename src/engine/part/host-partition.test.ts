import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { partRuleSchema } from '../../platforms/agent/part.js'
import { restoreInput } from '../../platforms/local/network/commands.js'
import {
  hostRestoreArgv,
  hostRuleDelete,
  hostRules,
  isLoopback,
  partitionRefusal,
} from './host-partition.js'

const allowed = {
  agent: 'edge-a',
  allowHostNetwork: true,
  centerAddresses: ['198.18.0.1'],
  localAddresses: ['127.0.0.1', '::1', '198.18.0.2'],
}

test('rules become DROP rules in this namespace: OUTPUT -d peer, INPUT -s peer', () => {
  const rules = hostRules(
    [
      { chain: 'OUTPUT', peer: '198.18.0.3' },
      { chain: 'INPUT', peer: '198.18.0.3' },
    ],
    'ordeal:r1.a'
  )
  assert.deepEqual(hostRuleDelete(rules[0]!), [
    'iptables',
    '-w',
    '-D',
    'OUTPUT',
    '-d',
    '198.18.0.3',
    '-m',
    'comment',
    '--comment',
    'ordeal:r1.a',
    '-j',
    'DROP',
  ])
  assert.deepEqual(hostRestoreArgv(), ['iptables-restore', '-w', '--noflush'])
  assert.equal(
    restoreInput(rules, '-A'),
    '*filter\n' +
      '-A OUTPUT -d 198.18.0.3 -m comment --comment ordeal:r1.a -j DROP\n' +
      '-A INPUT -s 198.18.0.3 -m comment --comment ordeal:r1.a -j DROP\n' +
      'COMMIT\n'
  )
})

test('an agent without --allow-host-network refuses, with the exact line', () => {
  assert.equal(
    partitionRefusal([{ chain: 'OUTPUT', peer: '198.18.0.3' }], {
      ...allowed,
      allowHostNetwork: false,
    }),
    'agent edge-a refuses faults in its own network namespace (start it with --allow-host-network)'
  )
})

test('a rule naming the Chaos Center or loopback is refused, with the exact line', () => {
  const refuse = (peer: string, centers = allowed.centerAddresses) =>
    partitionRefusal([{ chain: 'INPUT', peer }], { ...allowed, centerAddresses: centers })
  assert.equal(
    refuse('198.18.0.1'),
    'the partition would cut agent edge-a off its Chaos Center (198.18.0.1)'
  )
  assert.equal(
    refuse('198.18.0.9', ['::ffff:198.18.0.9']),
    'the partition would cut agent edge-a off its Chaos Center (198.18.0.9)'
  )
  assert.equal(
    refuse('127.0.0.1'),
    'the partition would cut agent edge-a off its Chaos Center (127.0.0.1)'
  )
  assert.equal(refuse('::1'), 'the partition would cut agent edge-a off its Chaos Center (::1)')
  assert.equal(refuse('198.18.0.3'), undefined)
})

test('an agent on the Chaos Center host refuses any rule, whatever the peer (review 14b #1)', () => {
  const refuse = (centers: string[]) =>
    partitionRefusal([{ chain: 'OUTPUT', peer: '198.18.0.3' }], {
      ...allowed,
      centerAddresses: centers,
    })
  assert.equal(
    refuse(['127.0.0.1']),
    "the partition would cut agent edge-a off its Chaos Center (127.0.0.1): the agent runs on the Chaos Center's host"
  )
  assert.equal(
    refuse(['::ffff:198.18.0.2']),
    "the partition would cut agent edge-a off its Chaos Center (::ffff:198.18.0.2): the agent runs on the Chaos Center's host"
  )
  assert.equal(refuse(['198.18.0.1']), undefined)
})

test('a peer that is not an IP address is refused, by the schema and here (review 14b #6)', () => {
  for (const peer of ['0.0.0.0/0', '10.0.0.0/8', 'localhost', 'center.example']) {
    assert.equal(partRuleSchema.safeParse({ chain: 'INPUT', peer }).success, false, peer)
    assert.equal(
      partitionRefusal([{ chain: 'INPUT', peer }], allowed),
      `agent edge-a refuses partition peer ${JSON.stringify(peer)}: not an IP address`
    )
  }
  assert.equal(partRuleSchema.safeParse({ chain: 'INPUT', peer: '198.18.0.3' }).success, true)
})

test('an IPv6 peer is refused with one line (review 14b #19)', () => {
  assert.equal(
    partitionRefusal([{ chain: 'INPUT', peer: 'fd00::3' }], allowed),
    'agent edge-a cannot partition from IPv6 peer fd00::3: cross-host partitions are IPv4 only (iptables)'
  )
})

test('property: loopback is exactly 127/8 and ::1', () => {
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      assert.equal(isLoopback(ip), ip.startsWith('127.'))
      assert.equal(isLoopback(`::ffff:${ip}`), ip.startsWith('127.'))
    })
  )
  assert.equal(isLoopback('::1'), true)
  assert.equal(isLoopback('fe80::1'), false)
})
