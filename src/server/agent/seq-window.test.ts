import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SeqWindow } from './seq-window.js'

const ev = (seq: number) => ({ seq })

/** Seqs 0..n-1, shuffled, some sent twice, cut into batches. */
const batchesOf = fc.integer({ min: 1, max: 80 }).chain((n) =>
  fc
    .tuple(
      fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n }
      ),
      fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })
    )
    .chain(([order, again]) => {
      const all = [...order, ...again]
      return fc
        .array(fc.integer({ min: 1, max: 10 }), { minLength: all.length, maxLength: all.length })
        .map((cuts) => {
          const batches: number[][] = []
          for (let i = 0; i < all.length; i += cuts[i]!) {
            batches.push(all.slice(i, i + cuts[i]!))
          }
          return { n, batches }
        })
    })
)

test('whatever the order and duplicates, every seq is released once, in order', () => {
  fc.assert(
    fc.property(batchesOf, ({ n, batches }) => {
      const window = new SeqWindow<{ seq: number }>()
      const released: number[] = []
      for (const batch of batches) {
        released.push(...window.add(batch.map(ev)).map((e) => e.seq))
        // `released` is the end of the contiguous prefix handed out so far.
        assert.equal(window.released, released.length - 1)
      }
      assert.deepEqual(
        released,
        Array.from({ length: n }, (_, i) => i)
      )
      assert.equal(window.held, 0)
      assert.deepEqual(window.drain(), [])
    })
  )
})

test('events past a gap are held until it is filled, or handed out in order at the end', () => {
  const window = new SeqWindow<{ seq: number; body: string }>()
  assert.deepEqual(window.add([{ seq: 3, body: 'first copy' }]), [])
  assert.deepEqual(
    window.add([
      { seq: 3, body: 'second copy' },
      { seq: 5, body: '' },
    ]),
    []
  )
  assert.equal(window.released, -1)
  assert.equal(window.held, 2)
  assert.ok(window.has(3) && !window.has(0))
  assert.deepEqual(
    window.add([0, 2, 1].map((seq) => ({ seq, body: '' }))).map((e) => e.seq),
    [0, 1, 2, 3]
  )
  assert.equal(window.released, 3)
  assert.deepEqual(
    window.drain().map((e) => e.seq),
    [5]
  )
  assert.equal(window.released, 5)
  // The copy stored first is the one kept.
  const kept = new SeqWindow<{ seq: number; body: string }>()
  kept.add([{ seq: 1, body: 'first' }])
  assert.deepEqual(
    kept.add([
      { seq: 1, body: 'second' },
      { seq: 0, body: '' },
    ]),
    [
      { seq: 0, body: '' },
      { seq: 1, body: 'first' },
    ]
  )
})
