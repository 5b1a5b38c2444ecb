import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { searchCapacity, searchParamsIssue, type TrialOutcome } from './search.js'

/** A trial outcome that passes or fails, nothing else measured. */
function outcome(
  passed: boolean,
  achieved: number,
  extra: Partial<TrialOutcome> = {}
): TrialOutcome {
  return {
    achieved,
    throughput: achieved,
    passed,
    ...(passed ? {} : { reason: 'http_req_failed rate<0.01' }),
    errorRate: passed ? 0 : 0.5,
    p50: 1,
    p99: 2,
    startedAt: 0,
    endedAt: 0,
    stoppedEarly: false,
    ...extra,
  }
}

/** A system of capacity c: a rate passes iff it is ≤ c. */
const oracle = (c: number) => (rate: number) => Promise.resolve(outcome(rate <= c, rate))

const params = fc.record({
  start: fc.integer({ min: 1, max: 500 }),
  growth: fc.double({ min: 1.2, max: 4, noNaN: true }),
  precision: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
})

describe('searchCapacity', () => {
  test('finds the capacity within the precision, never above it, in few trials', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.integer({ min: 1, max: 50_000 }), async (p, c) => {
        const max = 100_000
        const { result, trials } = await searchCapacity(
          { phase: 'baseline', max, repeat: 1, ...p },
          { trial: oracle(c) }
        )
        const start = Math.round(p.start)
        if (c < start) {
          assert.equal(result.sustainable, null)
          assert.equal(trials.length, 1)
          return
        }
        const found = result.sustainable!
        assert.ok(found <= c, `found ${found} above the capacity ${c}`)
        assert.ok(
          c - found <= Math.max(1, p.precision * found),
          `found ${found}, capacity ${c}, precision ${p.precision}`
        )
        assert.equal(result.bracket.low, found)
        assert.ok(trials.every((t) => Number.isInteger(t.rate) && t.rate >= 1 && t.rate <= max))
        // Ramp: one trial per growth step (each at least +1); bisection: halves the bracket.
        const rampSteps = Math.min(
          Math.ceil(Math.log(c / start + 1) / Math.log(p.growth)) + 2,
          c - start + 2
        )
        const bracketWidth = (p.growth - 1) * c + 2
        const bisectSteps =
          Math.ceil(Math.log2(bracketWidth / Math.max(1, p.precision * found))) + 2
        assert.ok(
          trials.length <= rampSteps + bisectSteps,
          `${trials.length} trials > ${rampSteps} + ${bisectSteps}`
        )
      }),
      { numRuns: 300 }
    )
  })

  test('stops at max when every rate passes', async () => {
    const { result, trials } = await searchCapacity(
      { phase: 'baseline', start: 100, max: 1000, growth: 2, precision: 0.05, repeat: 1 },
      { trial: oracle(1e9) }
    )
    assert.equal(result.sustainable, 1000)
    assert.deepEqual(result.bracket, { low: 1000, high: null })
    assert.deepEqual(
      trials.map((t) => t.rate),
      [100, 200, 400, 800, 1000]
    )
  })

  test('with repeats, a noisy system is never credited above its capacity', async () => {
    // Above c every trial fails; below it one in four fails at random (a flaky system). A
    // rate passes only when all its repeats pass, so noise can only pull the answer down.
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 50, max: 5000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.infiniteStream(fc.boolean()),
        fc.infiniteStream(fc.boolean()),
        async (c, repeat, coinA, coinB) => {
          const a = coinA[Symbol.iterator]()
          const b = coinB[Symbol.iterator]()
          const noisy = (rate: number) => {
            const unlucky = a.next().value && b.next().value
            return Promise.resolve(outcome(rate <= c && !unlucky, rate))
          }
          const { result, trials } = await searchCapacity(
            { phase: 'fault', start: 10, max: 20_000, growth: 2, precision: 0.05, repeat },
            { trial: noisy }
          )
          assert.ok((result.sustainable ?? 0) <= c)
          // Every passing rate passed all its repeats.
          const atLow = trials.filter((t) => t.rate === result.bracket.low)
          if (result.bracket.low !== null) {
            assert.ok(atLow.length >= repeat && atLow.every((t) => t.passed))
          }
          assert.ok(trials.every((t, i) => t.index === i && t.phase === 'fault'))
        }
      ),
      { numRuns: 200 }
    )
  })

  test('the generator limit stops the search and caps the answer', async () => {
    // The system takes 10,000; the generator sends at most 3,000.
    const trial = (rate: number) =>
      Promise.resolve(
        rate <= 3000
          ? outcome(true, rate)
          : outcome(false, 2900, { reason: "the load generator's limit", generatorLimited: true })
      )
    const { result, trials } = await searchCapacity(
      { phase: 'baseline', start: 1000, max: 20_000, growth: 2, precision: 0.05, repeat: 1 },
      { trial }
    )
    assert.equal(result.generatorLimited, true)
    assert.equal(result.generatorLimit, 2900)
    assert.equal(result.sustainable, 2000)
    assert.deepEqual(
      trials.map((t) => t.rate),
      [1000, 2000, 4000]
    )
    assert.match(result.note ?? '', /generator's own limit .* 2900 req\/s sent of 4000/)
  })

  test('a cut-off phase keeps the best answer so far and says so', async () => {
    let n = 0
    const trial = (rate: number) =>
      Promise.resolve(++n > 3 ? undefined : outcome(rate <= 700, rate))
    const { result, cutShort } = await searchCapacity(
      { phase: 'fault', start: 100, max: 20_000, growth: 2, precision: 0.05, repeat: 1 },
      { trial }
    )
    assert.equal(cutShort, true)
    assert.equal(result.sustainable, 400)
    assert.match(result.note ?? '', /cut short/)
  })

  test('errorsFrom is the lowest rate with any failed request', async () => {
    const trial = (rate: number) =>
      Promise.resolve(outcome(rate <= 500, rate, { errorRate: rate >= 300 ? 0.001 : 0 }))
    const { result } = await searchCapacity(
      { phase: 'baseline', start: 100, max: 20_000, growth: 2, precision: 0.05, repeat: 1 },
      { trial }
    )
    assert.equal(result.errorsFrom, 400)
  })

  test('searchParamsIssue names the bad parameter', () => {
    const ok = { start: 10, max: 100, growth: 2, precision: 0.05, repeat: 1 }
    assert.equal(searchParamsIssue(ok), undefined)
    assert.match(searchParamsIssue({ ...ok, max: 5 }) ?? '', /max/)
    assert.match(searchParamsIssue({ ...ok, growth: 1 }) ?? '', /growth/)
    assert.match(searchParamsIssue({ ...ok, precision: 0 }) ?? '', /precision/)
    assert.match(searchParamsIssue({ ...ok, repeat: 1.5 }) ?? '', /repeat/)
  })
})
