/**
 * The Litmus mode semantics, tested on the scheduler with a scripted probe driver (the logic
 * under test is the scheduling; real probe drivers have their own integration tests).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Probe } from '../experiment/model.js'
import type { ProbeDriver, ProbeOutcome } from '../probes/contract.js'
import { probeDrivers } from '../probes/registry.js'
import { ProbeScheduler } from './probe-scheduler.js'
import type { ProbeVerdict } from './events.js'

/** A probe whose answers are scripted per call; past the script it repeats the last answer. */
const scripts = new Map<string, { answers: (boolean | 'hang')[]; calls: number[] }>()
const scripted: ProbeDriver = {
  type: 'scripted' as never,
  describe: () => 'scripted',
  async check(params, ctx): Promise<ProbeOutcome> {
    const s = scripts.get((params as { name: string }).name)!
    const answer = s.answers[Math.min(s.calls.length, s.answers.length - 1)]
    s.calls.push(Date.now())
    if (answer === 'hang') {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
      return { passed: true, message: 'too late' }
    }
    return { passed: answer === true, message: answer ? 'ok' : 'bad' }
  },
}
;(probeDrivers as Record<string, ProbeDriver<never>>)['scripted'] = scripted as ProbeDriver<never>

function probe(
  name: string,
  mode: Probe['mode'],
  answers: (boolean | 'hang')[],
  run: Partial<Probe['run']> = {}
): Probe {
  scripts.set(name, { answers, calls: [] })
  return {
    id: `s/${name}`,
    name,
    type: 'scripted',
    mode,
    params: { name } as never,
    run: {
      timeoutMs: 1000,
      intervalMs: 10,
      attempts: 1,
      pollingIntervalMs: 20,
      initialDelayMs: 0,
      stopOnFailure: false,
      ...run,
    },
  }
}

function harness(probes: Probe[]) {
  const verdicts = new Map<string, { verdict: ProbeVerdict; message: string }>()
  const stops: string[] = []
  const controller = new AbortController()
  const scheduler = new ProbeScheduler(probes, {
    vars: () => ({}),
    baseDir: '.',
    signal: controller.signal,
    attempt: () => undefined,
    verdict: (p, verdict, message) => verdicts.set(p.name, { verdict, message }),
    stop: (p) => stops.push(p.name),
  })
  return { scheduler, verdicts, stops, controller }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('SOT runs once before the chaos, EOT once after', async () => {
  const h = harness([probe('sot', 'SOT', [true]), probe('eot', 'EOT', [false])])
  await h.scheduler.pre()
  assert.equal(scripts.get('sot')!.calls.length, 1)
  assert.equal(scripts.get('eot')!.calls.length, 0)
  await h.scheduler.post({ aborted: false })
  assert.equal(scripts.get('eot')!.calls.length, 1)
  assert.equal(h.verdicts.get('sot')!.verdict, 'Passed')
  assert.equal(h.verdicts.get('eot')!.verdict, 'Failed')
})

test('Continuous ends at the first failure and fails', async () => {
  const h = harness([probe('cont', 'Continuous', [true, true, false, true])])
  await h.scheduler.pre()
  await tick(300)
  const calls = scripts.get('cont')!.calls.length
  assert.equal(calls, 3, 'no iteration after the failure')
  await h.scheduler.post({ aborted: false })
  assert.equal(h.verdicts.get('cont')!.verdict, 'Failed')
  assert.match(h.verdicts.get('cont')!.message, /iteration 3: bad/)
})

test('Continuous that never fails passes, and runs until post', async () => {
  const h = harness([probe('cont-ok', 'Continuous', [true])])
  await h.scheduler.pre()
  await tick(150)
  await h.scheduler.post({ aborted: false })
  const calls = scripts.get('cont-ok')!.calls.length
  assert.ok(calls >= 3, `iterated (${calls})`)
  await tick(100)
  assert.equal(scripts.get('cont-ok')!.calls.length, calls, 'stopped at post')
  assert.equal(h.verdicts.get('cont-ok')!.verdict, 'Passed')
})

test('Edge needs both ends', async () => {
  const h = harness([
    probe('both', 'Edge', [true, true]),
    probe('after-bad', 'Edge', [true, false]),
    probe('before-bad', 'Edge', [false, true]),
  ])
  await h.scheduler.pre()
  await h.scheduler.post({ aborted: false })
  assert.equal(h.verdicts.get('both')!.verdict, 'Passed')
  assert.equal(h.verdicts.get('after-bad')!.verdict, 'Failed')
  assert.match(h.verdicts.get('after-bad')!.message, /after chaos/)
  assert.equal(h.verdicts.get('before-bad')!.verdict, 'Failed')
  assert.match(h.verdicts.get('before-bad')!.message, /before chaos/)
  assert.equal(
    scripts.get('before-bad')!.calls.length,
    1,
    'not evaluated again after a failed start'
  )
})

test('OnChaos runs only inside the fault window, bounded by duration minus initialDelay', async () => {
  const p = probe('onchaos', 'OnChaos', [true], { initialDelayMs: 100 })
  const h = harness([p])
  await h.scheduler.pre()
  await tick(80)
  assert.equal(scripts.get('onchaos')!.calls.length, 0, 'nothing before the chaos')
  const start = Date.now()
  h.scheduler.chaosStarted(400) // window: 400 - 100 = 300 ms after a 100 ms initial delay
  await tick(700)
  const calls = scripts.get('onchaos')!.calls
  assert.ok(calls.length >= 3, `iterated during chaos (${calls.length})`)
  assert.ok(calls[0]! - start >= 90, 'initialDelay honoured')
  // It stopped: no call in the next 200 ms. The last call's offset is only bounded loosely
  // (the window ends at 400 ms; a loaded machine fires timers late), never near the 700 ms of
  // a loop that kept going.
  const after = calls.length
  await tick(200)
  assert.equal(scripts.get('onchaos')!.calls.length, after, 'no call after the window')
  assert.ok(
    calls[calls.length - 1]! - start < 650,
    `stopped at the window's end (${calls[calls.length - 1]! - start} ms)`
  )
  h.scheduler.chaosEnded()
  await h.scheduler.post({ aborted: false })
  assert.equal(h.verdicts.get('onchaos')!.verdict, 'Passed')
})

test('OnChaos ends when the fault is reverted, and is N/A without chaos', async () => {
  const h = harness([probe('onchaos-2', 'OnChaos', [true])])
  await h.scheduler.pre()
  h.scheduler.chaosStarted(10_000)
  await tick(100)
  h.scheduler.chaosEnded()
  await tick(10)
  const calls = scripts.get('onchaos-2')!.calls.length
  await tick(100)
  assert.equal(scripts.get('onchaos-2')!.calls.length, calls, 'no iteration after revert')
  await h.scheduler.post({ aborted: false })
  assert.equal(h.verdicts.get('onchaos-2')!.verdict, 'Passed')

  const idle = harness([probe('onchaos-idle', 'OnChaos', [true])])
  await idle.scheduler.pre()
  await idle.scheduler.post({ aborted: false })
  assert.equal(idle.verdicts.get('onchaos-idle')!.verdict, 'N/A')
})

test('attempts: the first passing attempt wins; all failing fails', async () => {
  const h = harness([
    probe('third-time', 'SOT', [false, false, true], { attempts: 3 }),
    probe('never', 'SOT', [false], { attempts: 2 }),
  ])
  await h.scheduler.pre()
  assert.equal(h.verdicts.get('third-time')!.verdict, 'Passed')
  assert.equal(scripts.get('third-time')!.calls.length, 3)
  assert.equal(h.verdicts.get('never')!.verdict, 'Failed')
  assert.equal(scripts.get('never')!.calls.length, 2)
})

test('a probe that hangs fails at its timeout', async () => {
  const h = harness([probe('hang', 'SOT', ['hang'], { timeoutMs: 100 })])
  const started = Date.now()
  await h.scheduler.pre()
  assert.ok(Date.now() - started < 1000)
  assert.equal(h.verdicts.get('hang')!.verdict, 'Failed')
  assert.match(h.verdicts.get('hang')!.message, /timed out after 100ms/)
})

test('stopOnFailure asks the run to stop', async () => {
  const h = harness([
    probe('stopper', 'SOT', [false], { stopOnFailure: true }),
    probe('calm', 'SOT', [false]),
  ])
  await h.scheduler.pre()
  assert.deepEqual(h.stops, ['stopper'])
})

test('an aborted run leaves unevaluated probes N/A', async () => {
  const h = harness([probe('eot-2', 'EOT', [true]), probe('cont-2', 'Continuous', [true])])
  await h.scheduler.pre()
  await tick(50)
  h.controller.abort()
  await h.scheduler.post({ aborted: true })
  assert.equal(h.verdicts.get('eot-2')!.verdict, 'N/A')
  assert.equal(scripts.get('eot-2')!.calls.length, 0)
  assert.equal(h.verdicts.get('cont-2')!.verdict, 'N/A')
})
