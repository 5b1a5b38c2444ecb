import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { FireHeap } from './heap.js'

test('retain drops stale items in bulk and leaves a heap that still pops in fire order', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1e6), fc.boolean())), (items) => {
      const heap = new FireHeap()
      items.forEach(([fireAt, live], i) => heap.push({ fireAt, key: `k${i}`, gen: live ? 1 : 0 }))
      heap.retain((item) => item.gen === 1)
      const live = items.filter(([, l]) => l).map(([f]) => f)
      assert.equal(heap.size, live.length)
      heap.push({ fireAt: 500_000, key: 'new', gen: 1 })
      const popped: number[] = []
      for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
        popped.push(top.fireAt)
      }
      assert.deepEqual(
        popped,
        [...live, 500_000].sort((a, b) => a - b)
      )
    })
  )
})
