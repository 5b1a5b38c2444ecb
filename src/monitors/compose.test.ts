import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { accept, fail, goto } from './decision.js'
import { monitor, when, type StateEntry } from './machine.js'
import { all, any, sequence } from './compose.js'
import type { MonitorDef, MonitorInstance, TransitionRecord } from './contract.js'

/** Accepts on observation `ok`, fails on `bad`; a timeout of `ms` with the given rule. */
function part(
  name: string,
  ok: string,
  bad: string,
  ms?: number,
  onTimeout = fail(`${name} late`)
) {
  return monitor<'wait', string>(name, 'wait', {
    wait: {
      on: [
        when((o) => o === ok, accept(`${name} saw ${ok}`)),
        when((o) => o === bad, fail(`${name} saw ${bad}`)),
      ],
      ...(ms === undefined ? {} : { within: ms }),
      timeout: onTimeout,
    },
  })
}

describe('all / any / sequence', () => {
  it('all: accepts when every part accepted, at the last', () => {
    const m = all(part('a', 'x', '-'), part('b', 'y', '-')).start(0)
    m.observe('x', 1)
    assert.equal(m.verdict?.verdict, undefined)
    assert.equal(m.state, 'a=accept b=wait')
    m.observe('y', 2)
    assert.equal(m.verdict?.verdict, 'accept')
    assert.equal(m.verdict?.at, 2)
    assert.equal(m.name, 'all(a, b)')
  })

  it('all: fails at the first failing part, naming the part’s transition', () => {
    const records: TransitionRecord[] = []
    const m = all('both', part('a', 'x', 'boom'), part('b', 'y', '-')).start(0, {
      onTransition: (r) => records.push(r),
    })
    m.observe('boom', 7)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.equal(m.verdict?.reason, 'a: a saw boom')
    assert.equal(m.verdict?.transition.monitor, 'both/a')
    assert.equal(m.verdict?.transition.observation, 'boom')
    assert.deepEqual(
      records.map((r) => [r.monitor, r.from, r.to]),
      [
        ['both/a', 'wait', 'fail'],
        ['both', 'running', 'fail'],
      ]
    )
  })

  it('all: the earliest timeout decides even when the clock jumps past both', () => {
    const m = all(part('slow', 'x', '-', 500), part('fast', 'y', '-', 100)).start(0)
    m.advance(10_000)
    assert.equal(m.verdict?.reason, 'fast: fast late')
    assert.equal(m.verdict?.at, 100)
  })

  it('any: accepts at the first part that accepts; fails when every part failed', () => {
    const m = any(part('a', 'x', 'bad'), part('b', 'y', 'bad')).start(0)
    m.observe('y', 3)
    assert.equal(m.verdict?.reason, 'b: b saw y')
    const n = any(part('a', 'x', 'bad'), part('b', 'y', 'worse')).start(0)
    n.observe('bad', 1)
    assert.equal(n.verdict?.verdict, undefined)
    n.observe('worse', 2)
    assert.equal(n.verdict?.reason, 'every part failed (a: a saw bad; b: b saw worse)')
  })

  it('sequence: the next part starts, with its timeouts, when the one before accepted', () => {
    const m = sequence(part('first', 'x', '-'), part('second', 'y', '-', 100)).start(0)
    m.observe('y', 10) // second has not started: not seen by it
    m.observe('x', 50)
    assert.equal(m.state, 'second=wait')
    assert.equal(m.nextDeadline(), 150, "second's timeout runs from first's accept")
    m.advance(149)
    assert.equal(m.verdict?.verdict, undefined)
    m.observe('y', 149)
    assert.equal(m.verdict?.verdict, 'accept')
  })

  it('sequence: fails when a part fails; at the end, parts not started end by their rules', () => {
    const m = sequence(part('first', 'x', '-'), part('second', 'y', '-', 100)).start(0)
    m.observe('x', 0)
    m.advance(100)
    assert.equal(m.verdict?.reason, 'second: second late')
    const accepting = monitor<'s', string>('idle', 's', { s: { accepting: true } })
    const n = sequence(accepting, part('p', 'z', '-', undefined, accept('fine'))).start(0)
    n.finish(5)
    assert.equal(n.verdict?.verdict, 'accept')
  })

  it('composites nest and refuse empty or ambiguous parts', () => {
    const nested = all(
      'outer',
      any('inner', part('a', 'x', '-'), part('b', 'y', '-')),
      part('c', 'z', '-')
    )
    const m = nested.start(0)
    m.observe('y', 1)
    m.observe('z', 2)
    assert.equal(m.verdict?.verdict, 'accept')
    assert.ok(m.transitions.some((r) => r.monitor === 'outer/inner/b'))
    assert.throws(() => all(), /at least one/)
    assert.throws(() => any(part('a', 'x', '-'), part('a', 'y', '-')), /two parts are named 'a'/)
  })
})

/** A random monitor over small integer observations: states s0..sn-1 and a table of guards. */
const arbSpec = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    rules: fc.array(
      fc.array(
        fc.record({
          on: fc.integer({ min: 0, max: 3 }),
          to: fc.oneof(
            fc.record({
              kind: fc.constant('goto' as const),
              state: fc.integer({ min: 0, max: n - 1 }),
              ms: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
            }),
            fc.constant({ kind: 'accept' as const }),
            fc.constant({ kind: 'fail' as const })
          ),
        }),
        { maxLength: 4 }
      ),
      { minLength: n, maxLength: n }
    ),
    timeouts: fc.array(fc.constantFrom('accept', 'fail', 'none', 'goto0'), {
      minLength: n,
      maxLength: n,
    }),
    within: fc.array(fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }), {
      minLength: n,
      maxLength: n,
    }),
    accepting: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  })
)
type Spec = typeof arbSpec extends fc.Arbitrary<infer T> ? T : never

function build(spec: Spec, name: string): MonitorDef<number> {
  const state = (i: number) => `s${i}`
  const decide = (to: Spec['rules'][number][number]['to']) =>
    to.kind === 'goto'
      ? goto(state(to.state), to.ms)
      : to.kind === 'accept'
        ? accept()
        : fail('rule')
  const table: Record<string, StateEntry<string, number>> = {}
  for (let i = 0; i < spec.n; i++) {
    const t = spec.timeouts[i]
    const within = spec.within[i]
    table[state(i)] = {
      on: spec.rules[i]!.map((r) => when((o: number) => o === r.on, decide(r.to))),
      ...(t === 'none'
        ? {}
        : { timeout: t === 'accept' ? accept() : t === 'fail' ? fail('t') : goto('s0') }),
      ...(within === undefined ? {} : { within }),
      accepting: spec.accepting[i]!,
    }
  }
  return monitor<string, number>(name, 's0', table)
}

const arbInputs = fc.array(
  fc.record({
    obs: fc.integer({ min: 0, max: 3 }),
    dt: fc.integer({ min: 0, max: 40 }),
    tick: fc.boolean(),
  }),
  { maxLength: 30 }
)

/** Feeds the inputs, then ends the steps; returns the end time. */
function drive(
  m: MonitorInstance<number>,
  inputs: { obs: number; dt: number; tick: boolean }[]
): number {
  let t = 0
  for (const input of inputs) {
    t += input.dt
    if (input.tick) {
      m.advance(t)
    } else {
      m.observe(input.obs, t)
    }
  }
  m.finish(t + 1)
  return t + 1
}

describe('monitor properties', () => {
  it('a monitor never leaves a final state: one stop, recorded last; times never go back', () => {
    fc.assert(
      fc.property(arbSpec, arbInputs, (spec, inputs) => {
        const records: TransitionRecord[] = []
        const m = build(spec, 'r').start(0, { onTransition: (r) => records.push(r) })
        let t = 0
        let stoppedAt: number | undefined
        for (const input of inputs) {
          t += input.dt
          if (input.tick) {
            m.advance(t)
          } else {
            m.observe(input.obs, t)
          }
          if (m.verdict && stoppedAt === undefined) {
            stoppedAt = records.length
          }
          if (stoppedAt !== undefined) {
            assert.equal(records.length, stoppedAt, 'nothing recorded after the stop')
            assert.equal(m.nextDeadline(), undefined)
          }
        }
        m.finish(t + 1)
        assert.ok(m.verdict, 'the end of the steps always gives a verdict')
        const stops = records.filter((r) => r.to === 'accept' || r.to === 'fail')
        assert.equal(stops.length, 1)
        assert.equal(records[records.length - 1], stops[0])
        assert.deepEqual(m.transitions, records)
        for (let i = 1; i < records.length; i++) {
          assert.ok(records[i]!.at >= records[i - 1]!.at)
          assert.equal(records[i]!.from, records[i - 1]!.to)
        }
      }),
      { numRuns: 400 }
    )
  })

  it('all / any are the conjunction / disjunction of their parts’ verdicts, decided at the earliest', () => {
    fc.assert(
      fc.property(fc.array(arbSpec, { minLength: 1, maxLength: 3 }), arbInputs, (specs, inputs) => {
        const defs = specs.map((s, i) => build(s, `p${i}`))
        const alone = defs.map((d) => {
          const m = d.start(0)
          drive(m, inputs)
          return m.verdict!
        })
        const conj = all(...defs).start(0)
        drive(conj, inputs)
        const disj = any(...defs).start(0)
        drive(disj, inputs)
        const accepted = alone.filter((v) => v.verdict === 'accept')
        const failed = alone.filter((v) => v.verdict === 'fail')
        assert.equal(conj.verdict!.verdict, failed.length === 0 ? 'accept' : 'fail')
        assert.equal(disj.verdict!.verdict, accepted.length > 0 ? 'accept' : 'fail')
        if (failed.length > 0) {
          assert.equal(conj.verdict!.at, Math.min(...failed.map((v) => v.at)))
        }
        if (accepted.length > 0) {
          assert.equal(disj.verdict!.at, Math.min(...accepted.map((v) => v.at)))
        }
      }),
      { numRuns: 400 }
    )
  })
})
