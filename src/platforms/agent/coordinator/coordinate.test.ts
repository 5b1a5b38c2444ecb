/**
 * The coordinator's logic over in-memory parts. Each fake part keeps its own clock (the
 * center's plus an offset), journals on it and marks as a real part does; the e2e test with
 * real agents in network namespaces is test/e2e/agents/.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { JournalEvent, JournalEventBody } from '../../../engine/events.js'
import type { Experiment, Probe, Step } from '../../../experiment/model.js'
import type { PartCommand, PartRule } from '../part.js'
import { coordinate } from './coordinate.js'
import type { PartClock, PartLink } from './link.js'

const kHoldMs = 800

class FakePart implements PartLink {
  readonly commands: PartCommand[] = []
  readonly lost: Promise<string>
  readonly ended: Promise<void>
  aborted: string | undefined
  onCenterHost = false
  /** What the part answers; the default plays a well-behaved part. */
  answer: (command: PartCommand) => Promise<unknown> = (c) => this.play(c)
  /** The probe fails while a fault is held here. */
  #holding = 0
  #events: ((events: JournalEvent[]) => void)[] = []
  #marks: ((mark: { seq: number; t: number }) => void)[] = []
  #seq = 0
  #lose!: (reason: string) => void
  #end!: () => void
  #ticker: NodeJS.Timeout

  constructor(
    readonly logical: string,
    readonly agent: string,
    readonly address: string,
    readonly offsetMs: number
  ) {
    this.lost = new Promise((resolve) => (this.#lose = resolve))
    this.ended = new Promise((resolve) => (this.#end = resolve))
    this.#ticker = setInterval(() => this.#mark(), 20)
  }

  command(command: PartCommand): Promise<unknown> {
    this.commands.push(command)
    return this.answer(command)
  }
  clock(): PartClock {
    return { offsetMs: this.offsetMs, errorMs: 2 }
  }
  onEvents(listener: (events: JournalEvent[]) => void): void {
    this.#events.push(listener)
  }
  onMark(listener: (mark: { seq: number; t: number }) => void): void {
    this.#marks.push(listener)
  }
  abort(reason: string): void {
    this.aborted = reason
  }

  /** Its journal reached run.ended (every event delivered). */
  end(): void {
    clearInterval(this.#ticker)
    this.#end()
  }

  /** Its agent drops off for good: pending commands reject, no more frames. */
  lose(reason: string): void {
    clearInterval(this.#ticker)
    this.#lose(reason)
  }

  journal(body: JournalEventBody): void {
    const event = { ...body, seq: this.#seq++, t: Date.now() + this.offsetMs } as JournalEvent
    this.#events.forEach((l) => l([event]))
    this.#mark()
  }

  get rules(): PartRule[] | undefined {
    return this.commands.flatMap((c) => (c.kind === 'fault' ? [c.rules] : []))[0]
  }

  #mark(): void {
    const mark = { seq: this.#seq - 1, t: Date.now() + this.offsetMs }
    this.#marks.forEach((l) => l(mark))
  }

  /** What a well-behaved part does. */
  async play(command: PartCommand): Promise<unknown> {
    switch (command.kind) {
      case 'prepare':
        return { services: { [`svc-${this.logical}`]: { host: command.address } } }
      case 'start':
        this.journal({
          type: 'service.started',
          service: `svc-${this.logical}`,
          replica: 0,
          pid: 1,
        })
        return {}
      case 'fault':
        this.journal({
          type: 'fault.injected',
          faultId: command.stepId,
          stepId: command.stepId,
          faultType: 'network-partition',
          targets: [this.logical],
        })
        this.#holding++
        await new Promise((resolve) => setTimeout(resolve, kHoldMs))
        this.#holding--
        this.journal({ type: 'fault.reverted', faultId: command.stepId })
        return {}
      case 'probe':
        return this.#holding > 0
          ? { passed: false, message: 'connection refused' }
          : { passed: true, message: '200' }
      case 'load':
        return {}
      case 'stop':
        setTimeout(() => {
          this.journal({ type: 'run.ended' })
          clearInterval(this.#ticker)
          this.#end()
        }, 10)
        return {}
    }
  }
}

function probe(id: string, agent: string): Probe {
  return {
    id,
    name: 'reachable',
    type: 'http',
    mode: 'OnChaos',
    agent,
    params: { type: 'http', url: 'http://{{services.svc-b.host}}/' } as never,
    run: {
      timeoutMs: 2_000,
      intervalMs: 10,
      attempts: 1,
      pollingIntervalMs: 50,
      initialDelayMs: 0,
      stopOnFailure: false,
    },
  }
}

/** A on one agent, its dependency on the other, a partition between them, a probe from A. */
function experiment(overrides: Partial<Experiment> = {}): Experiment {
  const partition: Step = {
    id: 'run.0',
    name: 'partition',
    path: 'spec.steps[0]',
    weight: 1,
    probes: [probe('run.0/reachable', 'a')],
    kind: 'fault',
    fault: {
      id: 'run.0',
      type: 'network-partition',
      afterMs: 0,
      durationMs: kHoldMs,
      params: { type: 'network-partition', between: [['agent:a'], ['agent:b']] } as never,
    },
  }
  return {
    name: 'two-hosts',
    hypothesis: 'a notices b is gone',
    baseDir: '/tmp',
    deadlineMs: 30_000,
    system: {
      services: [
        { name: 'svc-a', agent: 'a' },
        { name: 'svc-b', agent: 'b' },
      ] as never,
      attach: [],
      networks: [],
      hosts: [],
      agents: [
        { name: 'a', labels: {} },
        { name: 'b', labels: {} },
      ],
    },
    root: {
      id: 'run',
      name: 'run',
      path: 'spec',
      weight: 1,
      probes: [],
      kind: 'serial',
      children: [partition],
    },
    checks: [],
    abort: [],
    ...overrides,
  }
}

function parts() {
  // a's clock runs 5 s ahead of the center's, b's 3 s behind: the merge must take both out.
  return [
    new FakePart('a', 'edge-1', '198.18.0.2', 5_000),
    new FakePart('b', 'edge-2', '198.18.0.3', -3_000),
  ] as const
}

function start(exp: Experiment, links: readonly FakePart[], stopGraceMs?: number, seed?: number) {
  const events: JournalEvent[] = []
  const run = coordinate({
    runId: 'r1',
    experiment: exp,
    parts: [...links],
    onEvent: (e) => events.push(e),
    ...(stopGraceMs === undefined ? {} : { stopGraceMs }),
    ...(seed === undefined ? {} : { seed }),
  })
  return { events, run }
}

/** Resolves once `pred` holds (polled: the fakes journal on timers). */
function until(pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const ticker = setInterval(() => {
      if (pred()) {
        clearInterval(ticker)
        resolve()
      }
    }, 5)
  })
}

function assertOneJournal(events: JournalEvent[]): void {
  events.forEach((e, i) => {
    assert.equal(e.seq, i)
    if (i > 0) {
      assert.ok(events[i - 1]!.t <= e.t, `t goes down at seq ${i}: ${JSON.stringify(e)}`)
    }
  })
  assert.equal(events.at(-1)?.type, 'run.ended')
  assert.equal(events.filter((e) => e.type === 'run.ended').length, 1)
}

describe('coordinate', { timeout: 30_000 }, () => {
  test('a partition between two parts: both sides get their rules, one journal in order', async () => {
    const [a, b] = parts()
    const { events, run } = start(experiment(), [a, b])
    const result = await run.result

    assert.deepEqual(
      a.commands.map((c) => c.kind).filter((k) => k !== 'probe'),
      ['prepare', 'start', 'fault', 'stop']
    )
    assert.deepEqual(a.commands[0], { kind: 'prepare', address: '198.18.0.2' })
    // Each part learns where the other's services are.
    assert.deepEqual(a.commands[1], {
      kind: 'start',
      remote: { 'svc-b': { host: '198.18.0.3' } },
    })
    assert.deepEqual(b.commands[1], {
      kind: 'start',
      remote: { 'svc-a': { host: '198.18.0.2' } },
    })
    assert.deepEqual(
      new Set(a.rules?.map((r) => `${r.chain} ${r.peer}`)),
      new Set(['OUTPUT 198.18.0.3', 'INPUT 198.18.0.3'])
    )
    assert.deepEqual(
      new Set(b.rules?.map((r) => `${r.chain} ${r.peer}`)),
      new Set(['OUTPUT 198.18.0.2', 'INPUT 198.18.0.2'])
    )
    assert.deepEqual(
      b.commands.map((c) => c.kind),
      ['prepare', 'start', 'fault', 'stop']
    )

    assertOneJournal(events)
    const at = (pred: (e: JournalEvent) => boolean) => events.findIndex(pred)
    const injectedA = at((e) => e.type === 'fault.injected' && e.host === 'a')
    const injectedB = at((e) => e.type === 'fault.injected' && e.host === 'b')
    const failedAttempt = at((e) => e.type === 'probe.attempt' && !e.passed)
    const reverted = at((e) => e.type === 'fault.reverted')
    assert.ok(injectedA > 0 && injectedB > 0, 'both sides injected')
    assert.ok(failedAttempt > Math.max(injectedA, injectedB), 'the probe failed after both')
    assert.ok(reverted > failedAttempt, 'and before the partition was healed')
    assert.equal(events[failedAttempt]!.host, 'a')
    // Corrected to the center's clock: within the fake's error of when it really happened.
    const injected = events[injectedA]!
    assert.equal(injected.hostT! - injected.t, 5_000)
    assert.equal(injected.clockErrorMs, 2)
    const ready = at((e) => e.type === 'system.ready')
    assert.ok(ready > 0 && ready < injectedA)
    // The parts' own run.ended are not the run's.
    assert.equal(events.filter((e) => e.host !== undefined && e.type === 'run.ended').length, 0)

    assert.equal(result.verdict, 'fail')
    assert.equal(result.probes[0]?.verdict, 'Failed')
    assert.equal(result.faults.length, 1)
  })

  test("the run's seed is journaled and sent with the fault to every part (issue 18 §5)", async () => {
    for (const given of [7, undefined]) {
      const [a, b] = parts()
      const { events, run } = start(experiment(), [a, b], undefined, given)
      await run.result
      const started = events.find((e) => e.type === 'run.started')
      const seed = started?.type === 'run.started' ? started.seed : undefined
      assert.ok(Number.isInteger(seed), 'a seed even when none was given')
      if (given !== undefined) {
        assert.equal(seed, given)
      }
      // Both sides draw the partition's `after` from it: the same value on each host.
      for (const part of [a, b]) {
        const faults = part.commands.filter((c) => c.kind === 'fault')
        assert.deepEqual(
          faults.map((c) => c.seed),
          [seed]
        )
      }
    }
  })

  test('a part lost mid-fault aborts the run and the other part is stopped', async () => {
    const [a, b] = parts()
    b.answer = async (command) => {
      if (command.kind === 'fault') {
        b.journal({
          type: 'fault.injected',
          faultId: command.stepId,
          stepId: command.stepId,
          faultType: 'network-partition',
          targets: ['b'],
        })
        setTimeout(() => b.lose('its lease of 30000ms ran out'), 50)
        await b.lost
        throw new Error('the part was lost')
      }
      return b.play(command)
    }
    const { events, run } = start(experiment(), [a, b])
    const result = await run.result

    assertOneJournal(events)
    const aborted = events.find((e) => e.type === 'run.aborted')
    assert.ok(aborted && aborted.type === 'run.aborted')
    assert.equal(aborted.kind, 'error')
    assert.equal(aborted.reason, 'agent edge-2 (b) was lost: its lease of 30000ms ran out')
    assert.ok(
      a.commands.some((c) => c.kind === 'stop'),
      'a was stopped'
    )
    assert.ok(!b.commands.some((c) => c.kind === 'stop'), 'b is gone: nothing to tell it')
    assert.equal(result.verdict, 'error')
  })

  test('a part whose prepare is rejected ends the run with system.failed', async () => {
    const [a, b] = parts()
    b.answer = (command) =>
      command.kind === 'prepare'
        ? Promise.reject(new Error('service svc-b: no such command'))
        : b.play(command)
    const { events, run } = start(experiment(), [a, b])
    const result = await run.result

    assertOneJournal(events)
    const failed = events.find((e) => e.type === 'system.failed')
    assert.ok(failed && failed.type === 'system.failed')
    assert.equal(failed.error, 'agent edge-2 (b) could not prepare: service svc-b: no such command')
    assert.ok(!events.some((e) => e.type === 'system.ready' || e.type === 'step.started'))
    assert.ok(!a.commands.some((c) => c.kind === 'start' || c.kind === 'fault'))
    assert.ok(a.commands.some((c) => c.kind === 'stop'))
    assert.equal(result.probes[0]?.verdict, 'N/A')
    assert.equal(events.find((e) => e.type === 'probe.verdict')?.host, 'a')
    assert.notEqual(result.verdict, 'pass')
  })

  test('an abort from outside mid-fault stops every part at once, without waiting for the hold', async () => {
    const [a, b] = parts()
    const { events, run } = start(experiment(), [a, b])
    // Once both sides hold the partition, the user presses Abort.
    await new Promise<void>((resolve) => {
      const ticker = setInterval(() => {
        if (events.filter((e) => e.type === 'fault.injected').length === 2) {
          clearInterval(ticker)
          resolve()
        }
      }, 5)
    })
    const pressed = Date.now()
    run.abort('signal', 'aborted by ann')
    const result = await run.result
    assert.ok(Date.now() - pressed < kHoldMs, 'stop did not wait for the hold to end')

    assertOneJournal(events)
    const aborted = events.find((e) => e.type === 'run.aborted')
    assert.deepEqual(
      aborted && {
        kind: aborted.type === 'run.aborted' && aborted.kind,
        reason: aborted.type === 'run.aborted' && aborted.reason,
      },
      { kind: 'signal', reason: 'aborted by ann' }
    )
    assert.ok(a.commands.at(-1)?.kind === 'stop' && b.commands.at(-1)?.kind === 'stop')
    assert.equal(result.verdict, 'interrupted')
  })

  test('the run deadline aborts the run and stops the parts', async () => {
    const [a, b] = parts()
    const { events, run } = start(experiment({ deadlineMs: 100 }), [a, b])
    await run.result
    assertOneJournal(events)
    const aborted = events.find((e) => e.type === 'run.aborted')
    assert.ok(aborted?.type === 'run.aborted' && aborted.kind === 'deadline')
    assert.ok(
      a.commands.some((c) => c.kind === 'stop') && b.commands.some((c) => c.kind === 'stop')
    )
  })

  test('a part that ends by itself aborts the run with the reason its journal gives', async () => {
    const [a, b] = parts()
    b.answer = async (command) => {
      if (command.kind !== 'fault') {
        return b.play(command)
      }
      b.journal({ type: 'run.aborted', kind: 'error', reason: 'the watchdog reverted the fault' })
      b.journal({ type: 'run.ended' })
      b.end()
      throw new Error('the part ended')
    }
    const { events, run } = start(experiment(), [a, b])
    await run.result
    assertOneJournal(events)
    const aborted = events.filter((e) => e.type === 'run.aborted')
    assert.equal(aborted.length, 1, "the part's own run.aborted is not merged")
    assert.equal(
      aborted[0]?.type === 'run.aborted' && aborted[0].reason,
      'agent edge-2 (b) ended its part early: the watchdog reverted the fault'
    )
    assert.ok(!b.commands.some((c) => c.kind === 'stop'), 'an ended part is not told to stop')
    assert.ok(a.commands.some((c) => c.kind === 'stop'))
  })

  test('a load step runs on its agent; a probe with stopOnFailure aborts the run', async () => {
    const [a, b] = parts()
    const failing = probe('run/ok', 'b')
    failing.mode = 'SOT'
    failing.run.stopOnFailure = true
    const exp = experiment({
      root: {
        id: 'run',
        name: 'run',
        path: 'spec',
        weight: 1,
        probes: [],
        kind: 'serial',
        children: [
          {
            id: 'run.0',
            name: 'traffic',
            path: 'spec.steps[0]',
            weight: 1,
            probes: [],
            kind: 'load',
            agent: 'a',
            load: { durationMs: 50, thresholds: [] } as never,
          },
          {
            id: 'run.1',
            name: 'checked',
            path: 'spec.steps[1]',
            weight: 1,
            probes: [failing],
            kind: 'wait',
            ms: 5_000,
          },
        ],
      },
    })
    b.answer = (command) =>
      command.kind === 'probe'
        ? Promise.resolve({ passed: false, message: 'HTTP 503' })
        : b.play(command)
    const { events, run } = start(exp, [a, b])
    const result = await run.result
    assertOneJournal(events)
    assert.deepEqual(
      a.commands.filter((c) => c.kind === 'load'),
      [{ kind: 'load', stepId: 'run.0' }]
    )
    assert.deepEqual(
      b.commands.filter((c) => c.kind === 'probe'),
      [{ kind: 'probe', probeId: 'run/ok' }]
    )
    const aborted = events.find((e) => e.type === 'run.aborted')
    assert.ok(aborted?.type === 'run.aborted' && aborted.kind === 'probe')
    assert.equal(events.find((e) => e.type === 'probe.verdict')?.host, 'b')
    assert.equal(result.verdict, 'fail')
  })

  test("a partition naming a part on the Chaos Center's host sends no side at all", async () => {
    const [a, b] = parts()
    b.onCenterHost = true
    const { events, run } = start(experiment(), [a, b])
    const result = await run.result
    assertOneJournal(events)
    assert.ok(
      ![...a.commands, ...b.commands].some((c) => c.kind === 'fault'),
      'neither side was sent'
    )
    const line =
      "the partition would cut the Chaos Center off agent edge-2 (b): it runs on the Chaos Center's host"
    assert.ok(
      events.some((e) => JSON.stringify(e).includes(line)),
      'the refusal is journaled'
    )
    assert.equal(result.verdict, 'error')
  })

  test(
    'an abort while a part waits for its readiness aborts that part: stop does not queue behind it',
    {
      timeout: 10_000,
    },
    async () => {
      const [a, b] = parts()
      // b's services never get ready; its channel, like a real part's, answers one command at a
      // time, so a stop waits behind the start until the readiness timeout (3 s here).
      let readiness: Promise<unknown> | undefined
      let abortStart: ((error: Error) => void) | undefined
      b.answer = (command) => {
        if (command.kind === 'start') {
          readiness = new Promise((_, reject) => {
            abortStart = reject
            setTimeout(() => reject(new Error('svc-b: not ready within 3000ms')), 3_000)
          })
          return readiness
        }
        if (command.kind === 'stop') {
          return readiness!.catch(() => undefined).then(() => b.play(command))
        }
        return b.play(command)
      }
      b.abort = (reason) => {
        b.aborted = reason
        abortStart?.(new Error('aborted'))
        b.journal({ type: 'run.ended' })
        b.end()
      }
      const { events, run } = start(experiment(), [a, b])
      await until(() => b.commands.some((c) => c.kind === 'start') && a.commands.length >= 2)
      await new Promise((resolve) => setTimeout(resolve, 50)) // a answered its start
      const pressed = Date.now()
      run.abort('signal', 'aborted by ann')
      const result = await run.result
      assert.ok(Date.now() - pressed < 1_500, 'the run did not wait out the readiness timeout')
      assertOneJournal(events)
      assert.equal(b.aborted, 'the run was aborted while starting: aborted by ann')
      assert.equal(a.aborted, undefined, 'a answered its start: it is stopped, not aborted')
      assert.ok(a.commands.some((c) => c.kind === 'stop'))
      assert.equal(result.verdict, 'interrupted')
    }
  )

  test(
    'a part that does not end within the stop grace is aborted and counted lost',
    {
      timeout: 10_000,
    },
    async () => {
      const [a, b] = parts()
      // b's stop was lost with its socket: no reply, no end.
      b.answer = (command) => (command.kind === 'stop' ? new Promise(() => {}) : b.play(command))
      const { events, run } = start(experiment(), [a, b], 200)
      const result = await run.result
      b.lose('the test is over') // its mark ticker
      assertOneJournal(events)
      assert.equal(b.aborted, 'it did not end within 200ms of stop')
      const warning = events.find((e) => e.type === 'run.warning' && e.host === undefined)
      assert.equal(
        warning?.type === 'run.warning' && warning.message,
        'agent edge-2 (b) did not end within 200ms of stop: aborted, and counted lost'
      )
      assert.equal(a.aborted, undefined)
      assert.equal(result.verdict, 'fail', "the verdict is still the probe's")
    }
  )
})
