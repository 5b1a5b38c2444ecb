/**
 * The agent's executor driven directly with `run` messages (no server): real run processes,
 * the durable journal file, and the frames the agent would send. The agent process against a
 * real Chaos Center is test/integration/agent-process.test.ts.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { parseJournal } from '../../../src/engine/journal.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { readRunInfo } from '../../../src/safety/run-info.js'
import { runDirFor } from '../../../src/safety/ledger.js'
import {
  disposeSpareRunProcess,
  type StartRunChildOptions,
} from '../../../src/platforms/local/run-process/child.js'
import { Executor, type ExecutorOptions } from '../../../src/platforms/agent/executor.js'
import { DeadManSwitch, leaseReason } from '../../../src/platforms/agent/lease.js'
import { AgentState } from '../../../src/platforms/agent/state.js'
import type { FromAgent, ToAgent } from '../../../src/platforms/agent/protocol.js'

let dir: string
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-executor-'))
  process.env['ORDEAL_STATE_DIR'] = dir
})
after(() => {
  disposeSpareRunProcess()
  rmSync(dir, { recursive: true, force: true })
})

const manifest = (name: string, wait: string) =>
  `apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata:\n  name: ${name}\nspec:\n  hypothesis: h\n  steps:\n    - name: pause\n      wait: ${wait}\n`

const runMessage = (
  runId: string,
  yaml: string,
  leaseMs = 30_000
): Extract<ToAgent, { type: 'run' }> => ({
  type: 'run',
  runId,
  experiment: 'tiny',
  yaml,
  vars: {},
  leaseMs,
  startedBy: 'alice',
})

/** An executor whose frames a fake server acks as they come, and waits for. */
let harnesses = 0
function harness(
  options: {
    ack?: boolean
    state?: AgentState
    startChild?: ExecutorOptions['startChild']
    more?: Pick<ExecutorOptions, 'allowHostNetwork' | 'centerAddress' | 'agentName'>
  } = {}
) {
  // Each its own agent files; the runs' ledgers share ORDEAL_STATE_DIR.
  const state = options.state ?? new AgentState(path.join(dir, `agent-${harnesses++}`))
  state.prepare()
  const frames: FromAgent[] = []
  const waiters: (() => void)[] = []
  const executor: Executor = new Executor({
    state,
    exec: { env: 'scrubbed' },
    maxRuns: 2,
    log: () => undefined,
    ...(options.startChild ? { startChild: options.startChild } : {}),
    ...options.more,
    send: (frame) => {
      frames.push(frame)
      if (frame.type === 'events' && options.ack !== false) {
        // The server stores and acks a moment later, as a real one does.
        setImmediate(() => executor.ack(frame.runId, frame.events.at(-1)!.seq))
      }
      for (const wake of waiters.splice(0)) {
        wake()
      }
      return true
    },
  })
  executor.connected([])
  const until = async (done: () => boolean) => {
    while (!done()) {
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  const sent = (runId: string): JournalEvent[] =>
    frames.flatMap((f) =>
      f.type === 'events' && f.runId === runId ? (f.events as JournalEvent[]) : []
    )
  const has = (type: FromAgent['type'], runId: string) =>
    frames.some((f) => f.type === type && 'runId' in f && f.runId === runId)
  return { state, executor, frames, until, sent, has }
}

test('a run: accepted, its durable journal sent as contiguous frames, ended once acked', async () => {
  const h = harness()
  h.executor.run(runMessage('tiny-1', manifest('tiny', '100ms')))
  // The journal file goes once reported (review #12): what was sent is what it held.
  h.executor.onDrop(() => assert.ok(h.has('ended', 'tiny-1')))
  await h.until(() => h.has('ended', 'tiny-1'))
  const journal = h.sent('tiny-1')
  assert.equal(journal[0]?.type, 'run.started')
  assert.equal(journal.at(-1)?.type, 'run.ended')
  assert.deepEqual(
    journal.map((e) => e.seq),
    journal.map((_, i) => i)
  )
  // Every event went out exactly once, in order, and nothing after `ended`.
  const types = h.frames.map((f) => f.type)
  assert.equal(types[0], 'accepted')
  assert.equal(types.at(-1), 'ended')
  // The run was given its id by the server; the state file is gone once reported.
  assert.equal((journal[0] as { runId?: string }).runId, 'tiny-1')
  await h.executor.whenDrained()
  assert.ok(!existsSync(h.state.stateFileOf('tiny-1')))
  assert.ok(!existsSync(h.state.journalOf('tiny-1')))
})

test('a resent run message is answered again, not run twice', async () => {
  const h = harness()
  const message = runMessage('tiny-2', manifest('tiny', '300ms'))
  h.executor.run(message)
  await h.until(() => h.has('accepted', 'tiny-2'))
  h.executor.run(message)
  assert.equal(h.frames.filter((f) => f.type === 'accepted').length, 2)
  await h.until(() => h.has('ended', 'tiny-2'))
  assert.equal(h.sent('tiny-2').filter((e) => e.type === 'run.started').length, 1)
})

test('a run past --max-runs is answered busy (the server queues it again), never started', async () => {
  const h = harness() // two slots
  for (const id of ['slot-1', 'slot-2', 'slot-3']) {
    h.executor.run(runMessage(id, manifest('tiny', '300ms')))
  }
  await h.until(() => h.has('rejected', 'slot-3'))
  assert.deepEqual(
    h.frames.find((f) => f.type === 'rejected'),
    { type: 'rejected', runId: 'slot-3', reason: 'agent busy (2 of 2 runs)', busy: true }
  )
  await h.until(() => h.has('ended', 'slot-1') && h.has('ended', 'slot-2'))
  assert.equal(h.sent('slot-3').length, 0)
})

test('an invalid manifest or run id is rejected with the reason; nothing is held', async () => {
  const h = harness()
  h.executor.run(runMessage('bad-1', manifest('tiny', 'soon')))
  h.executor.run(runMessage('../escape', manifest('tiny', '1s')))
  await h.until(() => h.frames.filter((f) => f.type === 'rejected').length === 2)
  const reasons = h.frames.flatMap((f) =>
    f.type === 'rejected' ? [`${f.runId}: ${f.reason}`] : []
  )
  assert.match(
    reasons.find((r) => r.startsWith('bad-1'))!,
    /steps\[0\]\.wait/
  )
  assert.match(
    reasons.find((r) => r.startsWith('../escape'))!,
    /is not a file name/
  )
  assert.ok(!existsSync(h.state.stateFileOf('bad-1')))
  await h.executor.whenDrained()
})

test('the dead-man switch: a silent server past the lease aborts the run, which rolls back and ends in its journal', async () => {
  const h = harness({ ack: false })
  let now = 0
  const sw = new DeadManSwitch(now, (runId, reason) => h.executor.abort(runId, reason))
  h.executor.run(runMessage('long-1', manifest('tiny', '60s'), 4_000))
  await h.until(() => h.has('accepted', 'long-1'))
  h.executor.disconnected() // the network went: frames pile up in the file
  now += 3_000
  assert.deepEqual(sw.tick(now, h.executor.unfinished()), [])
  now += 1_001
  assert.deepEqual(sw.tick(now, h.executor.unfinished()), ['long-1'])
  await h.executor.finished('long-1')
  const journal = parseJournal(readFileSync(h.state.journalOf('long-1'), 'utf8'))
  const aborted = journal.find((e) => e.type === 'run.aborted')
  assert.deepEqual(aborted && { kind: aborted.kind, reason: aborted.reason }, {
    kind: 'signal',
    reason: leaseReason(4_000),
  })
  assert.equal(journal.at(-1)?.type, 'run.ended')
  // Back online: the whole run goes out from the server's ack.
  const before = h.frames.length
  h.executor.connected([{ runId: 'long-1', ackedSeq: -1, action: 'continue' }])
  assert.deepEqual(
    h.frames.slice(before).flatMap((f) => (f.type === 'events' ? f.events.map((e) => e.seq) : [])),
    journal.map((e) => e.seq)
  )
})

test('a killed run process: its journal gets run.aborted and run.ended after the watchdog is done', async () => {
  const h = harness()
  h.executor.run(runMessage('killed-1', manifest('tiny', '60s')))
  await h.until(() => h.has('accepted', 'killed-1'))
  const info = readRunInfo(runDirFor('killed-1'))
  assert.ok(info)
  process.kill(info.pid, 'SIGKILL')
  await h.until(() => h.has('ended', 'killed-1'))
  const journal = h.sent('killed-1')
  assert.deepEqual(
    journal.map((e) => e.seq),
    journal.map((_, i) => i)
  )
  assert.match(
    (journal.find((e) => e.type === 'run.aborted') as { reason: string }).reason,
    /the run process died \(killed by SIGKILL\)/
  )
  assert.equal(journal.at(-1)?.type, 'run.ended')
})

test('a run left by an earlier agent is ended in its journal and reported in hello.runs', async () => {
  const state = new AgentState(path.join(dir, 'leftovers'))
  state.prepare()
  const journal = state.journalOf('left-1')
  writeFileSync(
    journal,
    `${JSON.stringify({ type: 'run.started', seq: 0, t: 1 })}\n${JSON.stringify({ type: 'step.started', stepId: 's', seq: 1, t: 2 })}\n{"type":"st`
  )
  state.write({
    runId: 'left-1',
    experiment: 'tiny',
    leaseMs: 30_000,
    acked: 0,
    ended: false,
    journal,
  })
  const h = harness({ state })
  h.executor.disconnected()
  await h.executor.adoptLeftovers()
  // Its end waits for the server's word on what it stored (review #6).
  assert.deepEqual(h.executor.reports(), [{ runId: 'left-1', lastSeq: 1, ended: false }])
  h.executor.connected([{ runId: 'left-1', ackedSeq: 0, action: 'continue' }])
  const events = parseJournal(
    readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l !== '{"type":"st')
      .join('\n')
  )
  assert.deepEqual(
    events.map((e) => [e.seq, e.type]),
    [
      [0, 'run.started'],
      [1, 'step.started'],
      [2, 'run.aborted'],
      [3, 'run.ended'],
    ]
  )
  await h.until(() => h.has('ended', 'left-1'))
  assert.deepEqual(
    h.sent('left-1').map((e) => e.seq),
    [1, 2, 3]
  )
})

test('vars resolved where the run was submitted fill the manifest on the agent', async () => {
  const h = harness()
  const yaml = manifest('tiny', '${PAUSE}')
  h.executor.run({ ...runMessage('vars-1', yaml), vars: { PAUSE: '150ms' } })
  await h.until(() => h.has('ended', 'vars-1'))
  const started = h.sent('vars-1').find((e) => e.type === 'run.started')
  assert.ok(started)
  assert.equal(h.sent('vars-1').at(-1)?.type, 'run.ended')
  // Without them the manifest does not load there: rejected, naming the variable.
  h.executor.run(runMessage('vars-2', yaml))
  await h.until(() => h.has('rejected', 'vars-2'))
  const rejected = h.frames.find((f) => f.type === 'rejected' && f.runId === 'vars-2')
  assert.match((rejected as { reason: string }).reason, /PAUSE/)
  await h.executor.whenDrained()
})

test("a leftover whose file lost lines the server stored ends after the server's ackedSeq", async () => {
  const state = new AgentState(path.join(dir, 'crashed'))
  state.prepare()
  const journal = state.journalOf('left-2')
  // The host crashed: the server stored seqs 0..5, the file kept 0..1, the state file says 0.
  writeFileSync(
    journal,
    `${JSON.stringify({ type: 'run.started', seq: 0, t: 1 })}\n${JSON.stringify({ type: 'step.started', stepId: 's', seq: 1, t: 2 })}\n`
  )
  state.write({
    runId: 'left-2',
    experiment: 'tiny',
    leaseMs: 30_000,
    acked: 0,
    ended: false,
    journal,
  })
  const h = harness({ state })
  h.executor.disconnected()
  await h.executor.adoptLeftovers()
  h.executor.connected([{ runId: 'left-2', ackedSeq: 5, action: 'continue' }])
  await h.until(() => h.has('ended', 'left-2'))
  assert.deepEqual(
    h.sent('left-2').map((e) => [e.seq, e.type]),
    [
      [6, 'run.aborted'],
      [7, 'run.ended'],
    ]
  )
})

test('a run forgotten by the server is rejected when sent again, never accepted (review #2)', async () => {
  const h = harness({ ack: false })
  const dropped: string[] = []
  h.executor.onDrop((runId) => dropped.push(runId))
  const message = runMessage('forgot-1', manifest('tiny', '60s'))
  h.executor.run(message)
  await h.until(() => h.has('accepted', 'forgot-1'))
  h.executor.connected([{ runId: 'forgot-1', ackedSeq: -1, action: 'forget', reason: 'requeued' }])
  h.executor.run(message) // the server re-sends it while it rolls back
  const answers = h.frames.filter((f) => 'runId' in f && f.runId === 'forgot-1')
  assert.deepEqual(
    answers.map((f) => f.type).filter((t) => t !== 'events'),
    ['accepted', 'rejected']
  )
  const rejected = answers.find((f) => f.type === 'rejected')
  assert.match(rejected?.type === 'rejected' ? rejected.reason : '', /forgotten/)
  await h.executor.whenDrained()
  // Dropped: the dead-man switch forgets it (review #16), its journal goes (review #12).
  assert.deepEqual(dropped, ['forgot-1'])
  assert.ok(!existsSync(h.state.journalOf('forgot-1')))
})

test('an abort of a run the agent does not hold is answered: ended if reported, else unknown (review #4)', async () => {
  const h = harness()
  h.executor.run(runMessage('done-1', manifest('tiny', '50ms')))
  await h.until(() => h.has('ended', 'done-1'))
  await h.executor.whenDrained()
  assert.ok(!existsSync(h.state.journalOf('done-1')))
  const before = h.frames.length
  h.executor.abort('done-1', 'an owner clicked Abort')
  h.executor.abort('never-1', 'an owner clicked Abort')
  assert.deepEqual(h.frames.slice(before), [
    { type: 'ended', runId: 'done-1' },
    { type: 'rejected', runId: 'never-1', reason: 'unknown run' },
  ])
})

test('a run that ended while its journal could not take run.ended is ended by the agent (review #5)', async () => {
  // A run process whose disk was full at the end: it said `ended`, the file stops at seq 1.
  const h = harness({
    startChild: (options) => {
      writeFileSync(
        options.journalFile!,
        `${JSON.stringify({ type: 'run.started', seq: 0, t: 1 })}\n${JSON.stringify({ type: 'step.started', stepId: 's', seq: 1, t: 2 })}\n`
      )
      return {
        started: Promise.resolve(options.runId!),
        abort: () => undefined,
        command: () => undefined,
        kill: () => undefined,
        exited: new Promise((resolve) =>
          setTimeout(() => resolve({ ended: true, how: 'exit 0' }), 50)
        ),
      }
    },
  })
  h.executor.run(runMessage('full-1', manifest('tiny', '1s')))
  await h.until(() => h.has('ended', 'full-1'))
  assert.deepEqual(
    h.sent('full-1').map((e) => [e.seq, e.type]),
    [
      [0, 'run.started'],
      [1, 'step.started'],
      [2, 'run.aborted'],
      [3, 'run.ended'],
    ]
  )
})

test('a part: its spec reaches the run process, commands go to it, replies and marks come back', async () => {
  const started: StartRunChildOptions[] = []
  const commands: unknown[] = []
  let exit!: (how: { ended: boolean; how: string }) => void
  const h = harness({
    more: {
      allowHostNetwork: true,
      centerAddress: () => '198.18.0.1',
      agentName: () => 'edge-a',
    },
    startChild: (options) => {
      started.push(options)
      writeFileSync(
        options.journalFile!,
        `${JSON.stringify({ type: 'run.started', seq: 0, t: 1 })}\n`
      )
      return {
        started: Promise.resolve(options.runId!),
        abort: () => undefined,
        command: (id, command) => commands.push({ id, command }),
        kill: () => undefined,
        exited: new Promise((resolve) => (exit = resolve)),
      }
    },
  })
  h.executor.run({
    ...runMessage('multi-1.a', manifest('tiny', '1s')),
    part: { name: 'a', centerAddress: '10.0.0.1' },
  })
  await h.until(() => h.has('accepted', 'multi-1.a'))
  assert.deepEqual(started[0]!.part, {
    name: 'a',
    agent: 'edge-a',
    centerAddresses: ['10.0.0.1', '198.18.0.1'],
    allowHostNetwork: true,
  })
  h.executor.command({ type: 'command', runId: 'multi-1.a', id: 3, command: { kind: 'stop' } })
  assert.deepEqual(commands, [{ id: 3, command: { kind: 'stop' } }])
  h.executor.command({ type: 'command', runId: 'other.b', id: 4, command: { kind: 'stop' } })
  assert.deepEqual(h.frames.at(-1), {
    type: 'reply',
    runId: 'other.b',
    reply: { id: 4, ok: false, error: 'no such part' },
  })
  started[0]!.onReply!({ id: 3, ok: true, value: {} })
  assert.deepEqual(h.frames.at(-1), {
    type: 'reply',
    runId: 'multi-1.a',
    reply: { id: 3, ok: true, value: {} },
  })
  // Marks keep coming while it runs (every 100 ms; the agent's socket keeps a real one alive).
  const alive = setInterval(() => undefined, 1000)
  const marks = () => h.frames.filter((f) => f.type === 'mark' && f.runId === 'multi-1.a')
  await h.until(() => marks().length >= 3)
  clearInterval(alive)
  assert.ok(marks().every((m) => m.type === 'mark' && m.seq === 0))
  exit({ ended: false, how: 'exit 1' })
  await h.executor.finished('multi-1.a')
})

test('an ordinary run is no part: commands to it are refused', async () => {
  const h = harness({
    startChild: (options) => ({
      started: Promise.resolve(options.runId!),
      abort: () => undefined,
      command: () => assert.fail('an ordinary run takes no command'),
      kill: () => undefined,
      exited: new Promise(() => undefined),
    }),
  })
  h.executor.run(runMessage('single-1', manifest('tiny', '1s')))
  await h.until(() => h.has('accepted', 'single-1'))
  h.executor.command({ type: 'command', runId: 'single-1', id: 0, command: { kind: 'stop' } })
  assert.deepEqual(h.frames.at(-1), {
    type: 'reply',
    runId: 'single-1',
    reply: { id: 0, ok: false, error: 'no such part' },
  })
  assert.ok(!h.frames.some((f) => f.type === 'mark'))
})
