import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { restoreInput } from '../../platforms/local/network/commands.js'
import {
  hostRestoreArgv,
  hostRuleDelete,
  hostRules,
  isLoopback,
  partitionRefusal,
} from './host-partition.js'

const allowed = { agent: 'edge-a', allowHostNetwork: true, centerAddresses: ['198.18.0.1'] }

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
