import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createSchedule } from './schedule.js'

const close = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${message ?? ''} ${actual} ≠ ${expected}`)

test('constant rate: request i is due at i / rate, the first at 0', () => {
  const s = createSchedule({ rate: 50, startRate: 0, durationMs: 3000 })
  assert.equal(s.total, 150)
  assert.equal(s.dueAt(0), 0)
  assert.equal(s.dueAt(1), 20)
  assert.equal(s.dueAt(149), 2980)
  assert.equal(s.targetRate, 50)
  assert.equal(s.peakRate, 50)
})

test('constant rate: a fractional count rounds up (every i with i / rate < duration)', () => {
  const s = createSchedule({ rate: 0.5, startRate: 0, durationMs: 3000 })
  assert.equal(s.total, 2)
  assert.deepEqual([s.dueAt(0), s.dueAt(1)], [0, 2000])
  assert.equal(createSchedule({ rate: 3, startRate: 0, durationMs: 1000 }).total, 3)
  assert.equal(createSchedule({ rate: 2000, startRate: 0, durationMs: 3000 }).total, 6000)
})

test('ramp from 0: request i is due when the integral of the rate reaches i + 1 (k6 cal)', () => {
  // 0 → 10/s over 2 s: area(x ms) = x² / 400000, 10 requests in all.
  const s = createSchedule({
    startRate: 0,
    stages: [{ durationMs: 2000, target: 10 }],
    durationMs: 2000,
  })
  assert.equal(s.total, 10)
  close(s.dueAt(0), Math.sqrt(400_000))
  close(s.dueAt(3), Math.sqrt(4 * 400_000))
  close(s.dueAt(9), 2000)
  assert.equal(s.peakRate, 10)
  close(s.targetRate, 5)
})

test('ramp: matches the closed form k6 uses for ramps', () => {
  const from = 20 / 1000
  const to = 100 / 1000
  const dur = 3000
  const s = createSchedule({
    startRate: 20,
    stages: [{ durationMs: dur, target: 100 }],
    durationMs: dur,
  })
  assert.equal(s.total, 180)
  for (const i of [1, 7, 50, 179, 180]) {
    const k6 =
      (from * dur - Math.sqrt(dur * (from * from * dur + 2 * i * (to - from)))) / (from - to)
    close(s.dueAt(i - 1), k6, `request ${i - 1}`)
  }
})

test('fractional iterations carry over from one stage to the next', () => {
  // 1.5 requests per stage: without carry-over each stage would send 1 (2 in all), not 3.
  const s = createSchedule({
    startRate: 1.5,
    stages: [
      { durationMs: 1000, target: 1.5 },
      { durationMs: 1000, target: 1.5 },
    ],
    durationMs: 2000,
  })
  assert.equal(s.total, 3)
  close(s.dueAt(0), 1000 / 1.5)
  close(s.dueAt(1), 2000 / 1.5, 'the second request uses half a request from stage 1')
  close(s.dueAt(2), 2000)
})

test('ramp down and a stage at rate 0 (a pause) send nothing during the pause', () => {
  const s = createSchedule({
    startRate: 10,
    stages: [
      { durationMs: 1000, target: 0 },
      { durationMs: 1000, target: 0 },
      { durationMs: 1000, target: 10 },
    ],
    durationMs: 3000,
  })
  assert.equal(s.total, 10)
  const due = Array.from({ length: s.total }, (_, i) => s.dueAt(i))
  assert.equal(due.filter((t) => t > 1000 && t < 2000).length, 0, due.join(' '))
  assert.equal(due.filter((t) => t <= 1000).length, 5)
})

test('property: due times never decrease, stay within the duration, and total = ⌊area⌋', () => {
  const stage = fc.record({
    durationMs: fc.integer({ min: 1, max: 5000 }),
    target: fc.double({ min: 0, max: 500, noNaN: true }),
  })
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 500, noNaN: true }),
      fc.array(stage, { minLength: 1, maxLength: 5 }),
      (startRate, stages) => {
        const durationMs = stages.reduce((sum, s) => sum + s.durationMs, 0)
        const s = createSchedule({ startRate, stages, durationMs })
        let area = 0
        let from = startRate
        for (const st of stages) {
          area += ((from + st.target) / 2) * (st.durationMs / 1000)
          from = st.target
        }
        assert.ok(Math.abs(s.total - Math.floor(area)) <= 1, `${s.total} vs ${area}`)
        let last = 0
        for (let i = 0; i < s.total; i++) {
          const t = s.dueAt(i)
          assert.ok(
            t >= last - 1e-9 && t <= durationMs + 1e-6,
            `request ${i} at ${t} after ${last}`
          )
          last = t
        }
      }
    ),
    { numRuns: 200 }
  )
})

test('a constant load needs a positive rate', () => {
  assert.throws(() => createSchedule({ rate: 0, startRate: 0, durationMs: 1000 }), /rate above 0/)
})
