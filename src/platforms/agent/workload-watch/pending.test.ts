import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_PENDING, PendingChanges } from './pending.js'
import type { WorkloadChange } from './tracker.js'

const change = (workload: string, image: string, namespace = 'shop'): WorkloadChange => ({
  experiment: 'e',
  workload,
  namespace,
  images: [image],
  generation: 1,
  observedAt: '2026-12-07T12:00:00.000Z',
})

test('only the latest change per workload waits, in the order of the latest changes', () => {
  const p = new PendingChanges()
  p.add(change('deployment/a', 'a:1'))
  p.add(change('deployment/b', 'b:1'))
  p.add(change('deployment/a', 'a:2'))
  p.add(change('deployment/a', 'a:1', 'other'))
  assert.equal(p.size, 3)
  const sent: string[] = []
  assert.equal(
    p.drain((c) => (sent.push(`${c.namespace}/${c.workload}=${c.images[0]}`), true)),
    3
  )
  assert.deepEqual(sent, [
    'shop/deployment/b=b:1',
    'shop/deployment/a=a:2',
    'other/deployment/a=a:1',
  ])
  assert.equal(p.size, 0)
})

test('a refused send keeps that change and the rest for the next connection', () => {
  const p = new PendingChanges()
  p.add(change('deployment/a', 'a:1'))
  p.add(change('deployment/b', 'b:1'))
  let budget = 1
  assert.equal(
    p.drain(() => budget-- > 0),
    1
  )
  assert.equal(p.size, 1)
  const sent: string[] = []
  p.drain((c) => (sent.push(c.workload), true))
  assert.deepEqual(sent, ['deployment/b'])
})

test('bounded: past MAX_PENDING workloads the oldest is dropped, said', () => {
  const warned: string[] = []
  const p = new PendingChanges((line) => warned.push(line))
  for (let i = 0; i <= MAX_PENDING; i++) {
    p.add(change(`deployment/w${i}`, 'x:1'))
  }
  assert.equal(p.size, MAX_PENDING)
  assert.deepEqual(warned, [
    `workload watch: more than ${MAX_PENDING} unsent changes; dropped shop/deployment/w0`,
  ])
})
