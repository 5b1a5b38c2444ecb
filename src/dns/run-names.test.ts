import assert from 'node:assert/strict'
import { test } from 'node:test'
import { planTopology } from '../platforms/local/network/topology.js'
import { RunNames } from './run-names.js'

// Two networks: n1 on lan only, n2 on lan and back, n3 on back only.
const topology = planTopology(
  'ab12',
  [{ name: 'lan' }, { name: 'back' }],
  [
    { name: 'n1', networks: ['lan'] },
    { name: 'n2', networks: ['lan', 'back'] },
    { name: 'n3', networks: ['back'] },
  ],
  [7, 9]
)
const names = new RunNames(topology, [
  { name: 'db', hosts: ['n2', 'n3'] },
  { name: 'local', hosts: [] },
])

test('a host name is its address on a network the asker shares', () => {
  assert.deepEqual(names.lookup('n2', '198.18.7.1'), ['198.18.7.2'])
  assert.deepEqual(names.lookup('n2', '198.18.9.3'), ['198.18.9.2'])
  assert.deepEqual(names.lookup('N2.', '198.18.7.1'), ['198.18.7.2'])
})

test('from no host (or a host sharing no network) the first address', () => {
  assert.deepEqual(names.lookup('n2'), ['198.18.7.2'])
  assert.deepEqual(names.lookup('n3', '198.18.7.1'), ['198.18.9.3'])
})

test('a service is one address per host it runs on; one not placed on hosts is not a run name', () => {
  assert.deepEqual(names.lookup('db', '198.18.9.3'), ['198.18.9.2', '198.18.9.3'])
  assert.equal(names.lookup('local'), undefined)
  assert.equal(names.lookup('example.com'), undefined)
})

test('hostAt names the asking host by its interface address', () => {
  assert.equal(names.hostAt('198.18.9.2')?.name, 'n2')
  assert.equal(names.hostAt('127.0.0.1'), undefined)
})
