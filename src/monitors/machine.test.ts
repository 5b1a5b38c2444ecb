import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { accept, fail, goto, stay } from './decision.js'
import { monitor, when } from './machine.js'

/** The seed's inCluster monitor over a small cluster view: members up and unreachable ones. */
interface ClusterState {
  up: string[]
  unreachable: string[]
}
const nodes = ['a', 'b']
const inCluster = monitor<'forming' | 'stable', ClusterState>('in-cluster', 'forming', {
  forming: [
    when(
      (o) => o.unreachable.length === 0 && nodes.every((n) => o.up.includes(n)),
      goto('stable', '3s'),
      'all up'
    ),
  ],
  stable: {
    on: [
      when((o) => o.unreachable.length > 0, fail('a node is unreachable'), 'unreachable'),
      when((o) => nodes.some((n) => !o.up.includes(n)), fail('a node left'), 'left'),
    ],
    timeout: accept(),
  },
})
const allUp: ClusterState = { up: ['a', 'b'], unreachable: [] }

describe('monitor: guards and transitions', () => {
  it('a guard that does not hold keeps the state; one that holds moves, recorded', () => {
    const m = inCluster.start(0)
    m.observe({ up: ['a'], unreachable: [] }, 100)
    assert.equal(m.state, 'forming')
    assert.equal(m.transitions.length, 0)
    m.observe(allUp, 200)
    assert.equal(m.state, 'stable')
    assert.deepEqual(m.transitions, [
      {
        monitor: 'in-cluster',
        from: 'forming',
        to: 'stable',
        trigger: 'observation',
        at: 200,
        observation: JSON.stringify(allUp),
        rule: 'all up',
      },
    ])
    assert.equal(m.nextDeadline(), 3200)
  })

  it('the first guard that holds decides, and the failure names it and the observation', () => {
    const m = inCluster.start(0)
    m.observe(allUp, 0)
    m.observe({ up: ['a'], unreachable: ['b'] }, 1000)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.equal(m.verdict?.reason, 'a node is unreachable')
    assert.equal(m.verdict?.transition.rule, 'unreachable')
    assert.equal(m.verdict?.transition.observation, '{"up":["a"],"unreachable":["b"]}')
    assert.equal(m.verdict?.at, 1000)
  })

  it('a function transition: undefined and stay() keep the state', () => {
    const m = monitor<'s' | 't', number>('f', 's', {
      s: (n) => (n > 10 ? goto('t') : n === 5 ? stay() : undefined),
      t: (n) => (n < 0 ? fail(`went negative: ${n}`) : undefined),
    }).start(0)
    m.observe(5, 1)
    m.observe(3, 2)
    assert.equal(m.state, 's')
    m.observe(11, 3)
    m.observe(-1, 4)
    assert.deepEqual(
      m.transitions.map((t) => [t.from, t.to, t.at]),
      [
        ['s', 't', 3],
        ['t', 'fail', 4],
      ]
    )
  })

  it('a transition that throws fails the monitor with why, instead of the run', () => {
    const m = monitor<'s', { x?: { y: number } }>('t', 's', {
      s: (o) => (o.x!.y > 1 ? accept() : undefined),
    }).start(0)
    m.observe({}, 5)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.match(m.verdict!.reason, /^transition of state 's' threw: /)
  })
})

describe('monitor: state timeouts (injected clock)', () => {
  it('the seed: stable for 3 s after all came up accepts, at the deadline', () => {
    const m = inCluster.start(0)
    m.observe(allUp, 1000)
    m.advance(3999)
    assert.equal(m.verdict?.verdict, undefined)
    m.advance(10_000)
    assert.equal(m.verdict?.verdict, 'accept')
    assert.equal(m.verdict?.at, 4000, 'fired at its deadline, not when the clock was read')
    assert.equal(m.verdict?.transition.trigger, 'timeout')
  })

  it('an observation after the deadline sees the timeout fire first', () => {
    const m = inCluster.start(0)
    m.observe(allUp, 0)
    m.observe({ up: [], unreachable: ['a', 'b'] }, 3000)
    assert.equal(m.verdict?.verdict, 'accept', 'the failing observation came after the timeout')
  })

  it('stay() keeps the running timeout; goto the same state restarts it', () => {
    const m = monitor<'s', string>('r', 's', {
      s: {
        on: (o) => (o === 'again' ? goto('s', 100) : stay()),
        within: 100,
        timeout: fail('late'),
      },
    }).start(0)
    m.observe('x', 90)
    assert.equal(m.nextDeadline(), 100)
    m.observe('again', 95)
    assert.equal(m.nextDeadline(), 195)
    m.advance(195)
    assert.equal(m.verdict?.reason, 'late')
  })

  it('without a timeout rule an expired timeout fails, saying how long', () => {
    const m = monitor<'down' | 'up', boolean>('back', 'down', {
      down: (ok) => (ok ? accept() : undefined),
      up: () => undefined,
    })
    const started = m.start(0)
    started.advance(60_000)
    assert.equal(started.verdict?.verdict, undefined, 'no timeout set: waits')
    const timed = monitor<'down', boolean>('back', 'down', {
      down: { on: (ok) => (ok ? accept() : undefined), within: '1.5s' },
    }).start(10)
    timed.advance(1509)
    assert.equal(timed.verdict?.verdict, undefined)
    timed.advance(1510)
    assert.equal(timed.verdict?.reason, "no transition left state 'down' within 1.5s")
  })

  it('timeouts chain: each fires at its own deadline', () => {
    const m = monitor<'a' | 'b' | 'c', never>('chain', 'a', {
      a: { within: 10, timeout: goto('b', 20) },
      b: { timeout: goto('c', 30) },
      c: { timeout: accept('done') },
    }).start(0)
    m.advance(1000)
    assert.deepEqual(
      m.transitions.map((t) => [t.to, t.at, t.trigger]),
      [
        ['b', 10, 'timeout'],
        ['c', 30, 'timeout'],
        ['accept', 60, 'timeout'],
      ]
    )
  })

  it('a timeout loop stops with a failure instead of spinning', () => {
    const m = monitor<'a' | 'b', never>('loop', 'a', {
      a: { within: 1, timeout: goto('b', 1) },
      b: { timeout: goto('a', 1) },
    }).start(0)
    m.advance(1e9)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.match(m.verdict!.reason, /timeout loop/)
  })

  it('refuses a timeout of 0 or an unreadable one', () => {
    assert.throws(() => goto('x', 0), /longer than 0/)
    assert.throws(() => goto('x', 'soon'), /longer than 0/)
    assert.throws(
      () => monitor<'s', never>('m', 's', { s: { within: '-1s' } }),
      /monitor m, state 's'/
    )
    assert.throws(() => monitor<'s', never>('m', 's' as never, { t: {} } as never), /initial/)
  })
})

describe('monitor: the end of the steps', () => {
  it('fires the state timeout rule (the seed: stable until the end accepts)', () => {
    const m = inCluster.start(0)
    m.observe(allUp, 0)
    m.finish(1000)
    assert.equal(m.verdict?.verdict, 'accept')
    assert.equal(m.verdict?.transition.trigger, 'end')
  })

  it('an accepting state accepts; any other state fails, naming it', () => {
    const def = monitor<'waiting' | 'done', number>('e', 'waiting', {
      waiting: (n) => (n === 1 ? goto('done') : undefined),
      done: { accepting: true },
    })
    const a = def.start(0)
    a.observe(1, 1)
    a.finish(2)
    assert.equal(a.verdict?.verdict, 'accept')
    const b = def.start(0)
    b.finish(2)
    assert.equal(b.verdict?.reason, "still in state 'waiting' when the steps ended")
  })

  it('a timeout rule going to another state applies that state’s rule in turn; a cycle fails', () => {
    const chained = monitor<'a' | 'b', never>('c', 'a', {
      a: { timeout: goto('b') },
      b: { timeout: fail('b at the end') },
    }).start(0)
    chained.finish(5)
    assert.deepEqual(
      chained.transitions.map((t) => [t.from, t.to, t.trigger]),
      [
        ['a', 'b', 'end'],
        ['b', 'fail', 'end'],
      ]
    )
    const cycle = monitor<'a' | 'b', never>('c', 'a', {
      a: { timeout: goto('b') },
      b: { timeout: goto('a') },
    }).start(0)
    cycle.finish(5)
    assert.match(cycle.verdict!.reason, /loop at the end of the steps/)
  })
})

describe('monitor: the shape of issue 19 part 5 (split brain)', () => {
  /** Each side's view of the cluster membership, and whether it accepts writes. */
  interface Sides {
    left: string[]
    right: string[]
  }
  const same = (s: Sides) => s.left.join() === s.right.join()
  const splitBrain = monitor<'whole' | 'split' | 'healed', Sides>('no-split-brain', 'whole', {
    whole: [when((s) => !same(s), goto('split', '2s'), 'memberships differ')],
    split: {
      on: [when(same, goto('healed'), 'one membership again')],
      timeout: fail('both sides reported a different membership for longer than 2s'),
    },
    healed: { accepting: true },
  })
  const one = { left: ['a', 'b', 'c'], right: ['a', 'b', 'c'] }
  const two = { left: ['a', 'b'], right: ['c'] }

  it('a short disagreement that heals accepts', () => {
    const m = splitBrain.start(0)
    m.observe(one, 100)
    m.observe(two, 1000)
    m.observe(one, 2500)
    m.finish(10_000)
    assert.equal(m.verdict?.verdict, 'accept')
  })

  it('a disagreement longer than T fails at T, naming the state it timed out in', () => {
    const m = splitBrain.start(0)
    m.observe(two, 1000)
    m.observe(two, 2000)
    m.observe(one, 3500)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.equal(m.verdict?.at, 3000)
    assert.deepEqual(
      m.transitions.map((t) => [t.from, t.to, t.trigger, t.rule]),
      [
        ['whole', 'split', 'observation', 'memberships differ'],
        ['split', 'fail', 'timeout', 'timeout'],
      ]
    )
  })
})
