import { test } from 'node:test'
import assert from 'node:assert/strict'
import { netemAdd, qdiscDel, restoreInput, ruleAdd, ruleDelete, tbfAdd } from './commands.js'
import { MAX_IFNAME, vethName, bridgeName } from './names.js'
import { pickSubnets, subnetBase } from './addressing.js'
import { planTopology } from './topology.js'
import { partitionRules } from '../../../faults/network-partition/rules.js'

test('netem argv (this kernel cannot run it, so the builder is checked here)', () => {
  assert.deepEqual(netemAdd('ord-1a2b-a', 'eth0', 100, 20), [
    'ip',
    'netns',
    'exec',
    'ord-1a2b-a',
    'tc',
    'qdisc',
    'replace',
    'dev',
    'eth0',
    'root',
    'netem',
    'delay',
    '100ms',
    '20ms',
    'distribution',
    'normal',
  ])
  assert.deepEqual(netemAdd('ns', 'eth1', 5).slice(4), [
    'tc',
    'qdisc',
    'replace',
    'dev',
    'eth1',
    'root',
    'netem',
    'delay',
    '5ms',
  ])
  assert.deepEqual(qdiscDel('ns', 'eth0').slice(4), ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])
  assert.deepEqual(tbfAdd(undefined, 'ord-1a2b-v0000', '10mbit').slice(0, 9), [
    'tc',
    'qdisc',
    'replace',
    'dev',
    'ord-1a2b-v0000',
    'root',
    'tbf',
    'rate',
    '10mbit',
  ])
})

test('a rule and its delete differ only in -A/-D; restore input carries the same tokens', () => {
  const rule = {
    namespace: 'ns',
    chain: 'INPUT' as const,
    match: ['-s', '198.18.0.1'],
    comment: 'ordeal:r',
  }
  const add = ruleAdd(rule)
  const del = ruleDelete(rule)
  assert.deepEqual(
    add.map((t) => (t === '-A' ? '-D' : t)),
    del
  )
  assert.equal(
    restoreInput([rule], '-D'),
    '*filter\n-D INPUT -s 198.18.0.1 -m comment --comment ordeal:r -j DROP\nCOMMIT\n'
  )
  assert.throws(() => restoreInput([{ ...rule, comment: 'a b' }], '-A'))
})

test('names fit IFNAMSIZ; addresses stay in 198.18.0.0/15', () => {
  assert.ok(vethName('ffff', 252, 35).length <= MAX_IFNAME)
  assert.ok(bridgeName('ffff', 1295).length <= MAX_IFNAME)
  assert.equal(subnetBase(0), '198.18.0')
  assert.equal(subnetBase(511), '198.19.255')
  assert.throws(() => subnetBase(512))
  assert.deepEqual(pickSubnets(3, new Set([511, 0]), 510), [510, 1, 2])
  assert.throws(() => pickSubnets(2, new Set(Array.from({ length: 511 }, (_, i) => i)), 0))
})

test('partition rules: both directions by every address; one-way only from the first group', () => {
  const t = planTopology(
    '1a2b',
    [{ name: 'l' }, { name: 'r' }],
    [
      { name: 'a', networks: ['l'] },
      { name: 'b', networks: ['l', 'r'] },
    ],
    [7, 8]
  )
  const [a, b] = t.hosts as [(typeof t.hosts)[0], (typeof t.hosts)[0]]
  assert.equal(b.interfaces[1]!.address, '198.18.8.2')
  const both = partitionRules([[a], [b]], 'both', 'c')
  // a→b: OUTPUT in a by b's 2 addresses + INPUT in b by a's 1; and the same for b→a.
  assert.equal(both.length, 6)
  const oneWay = partitionRules([[a], [b]], 'one-way', 'c')
  assert.deepEqual(
    oneWay.map((r) => `${r.namespace} ${r.chain} ${r.match.join(' ')}`),
    [
      'ord-1a2b-a OUTPUT -d 198.18.7.2',
      'ord-1a2b-a OUTPUT -d 198.18.8.2',
      'ord-1a2b-b INPUT -s 198.18.7.1',
    ]
  )
})
