/**
 * The events ingest of recorded runs (`POST /api/runs/:id/events`), through the built server:
 * batches in any order, concurrent writers and resends store every acknowledged event exactly
 * once; a batch with one bad event stores nothing; live viewers see every stored event once,
 * in seq order; /metrics labels only what the run's plan names and forgets a run at its end.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { openStream, type SseReader } from '../support/sse.js'
import { journalOf, passingRun, runStarted } from '../support/journal-fixtures.js'
import { killWebExperiment } from '../support/web-experiment.js'
import type {
  EventPage,
  JournalEvent,
  Run,
  RunSummary,
  StreamMessage,
} from '../../src/shared/api.js'

let center: ChaosCenter

before(async () => {
  center = await startChaosCenter()
})

after(async () => {
  await center.dispose()
})

const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

let recordings = 0
async function record(name: string): Promise<string> {
  const runId = `ingest-${name}-${++recordings}`
  const yaml = killWebExperiment({ name, faultDuration: '2s' })
  const r = await api<RunSummary>('/api/runs/record', { method: 'POST', body: { yaml, runId } })
  assert.equal(r.status, 201, r.text)
  return runId
}

/** run.started (with a plan) at seq 0, then small `note` events up to `total`. */
function journal(runId: string, total: number): JournalEvent[] {
  const [started] = journalOf([runStarted(runId, 'ingest')])
  const notes = Array.from({ length: total - 1 }, (_, i) => ({ seq: i + 1, t: i, type: 'note' }))
  return [started!, ...(notes as unknown as JournalEvent[])]
}

const post = (runId: string, events: readonly JournalEvent[]) =>
  api<{ accepted: number }>(`/api/runs/${runId}/events`, { method: 'POST', body: { events } })

async function eventCount(runId: string): Promise<number> {
  const r = await api<Run>(`/api/runs/${runId}`)
  assert.equal(r.status, 200, r.text)
  return r.json.eventCount
}

const seqsOf = (messages: StreamMessage[]) =>
  messages.flatMap((m) => (m.event === 'journal' ? m.data.map((e) => e.seq) : []))

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

async function viewer(runId: string): Promise<SseReader> {
  const stream = await openStream(`${center.url}/api/runs/${runId}/stream`, center.ownerToken)
  await stream.waitFor((m) => m.event === 'status', 'the first status')
  return stream
}

/** Waits until the viewer holds `count` journal events (or its stream ends). */
const received = (stream: SseReader, count: number) =>
  stream.waitFor(() => seqsOf(stream.messages).length >= count, `${count} events`, 30_000)

test('batches 100-199 then 0-99 store all 200; viewers see 0..199 once, in order', async () => {
  const runId = await record('reversed')
  const events = journal(runId, 200)
  const early = await viewer(runId)

  const late = await post(runId, events.slice(100))
  assert.equal(late.status, 200, late.text)
  assert.deepEqual(late.json, { accepted: 100 })
  // A viewer connecting across the gap must not be handed 100-199 before 0-99.
  const middle = await viewer(runId)
  const page = await api<EventPage>(`/api/runs/${runId}/events?limit=5000`)
  assert.deepEqual(page.json.events, [], 'a page stops where the live stream stands')
  const first = await post(runId, events.slice(0, 100))
  assert.equal(first.status, 200, first.text)

  assert.equal(await eventCount(runId), 200)
  for (const stream of [early, middle]) {
    await received(stream, 200)
    assert.deepEqual(seqsOf(stream.messages), range(0, 200))
    await stream.cancel()
  }
  // Resent, both halves are acknowledged again and stored once.
  assert.equal((await post(runId, events.slice(50, 150))).status, 200)
  assert.equal(await eventCount(runId), 200)
  const finished = await api<RunSummary>(`/api/runs/${runId}/finish`, { method: 'POST', body: {} })
  assert.equal(finished.status, 200, finished.text)
  assert.equal(await eventCount(runId), 200)
})

for (const writers of [8, 32]) {
  test(`${writers} concurrent writers of one run store exactly 100,000 events`, async () => {
    const runId = await record(`writers-${writers}`)
    const events = journal(runId, 100_000)
    const size = 250
    const batches = range(0, events.length / size).map((i) =>
      events.slice(i * size, (i + 1) * size)
    )
    // Each writer takes the next batch; one in five is sent twice (a retry after a lost answer).
    let next = 0
    const statuses: number[] = []
    const writer = async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const sends = i % 5 === 0 ? 2 : 1
        for (let s = 0; s < sends; s++) {
          statuses.push((await post(runId, batches[i]!)).status)
        }
      }
    }
    const stream = await viewer(runId)
    await Promise.all(range(0, writers).map(writer))
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.equal(await eventCount(runId), 100_000)
    await received(stream, 100_000)
    assert.deepEqual(seqsOf(stream.messages), range(0, 100_000))
    await stream.cancel()
  })
}

test('a run.started without plan is refused whole (400), storing and publishing nothing', async () => {
  const runId = await record('no-plan')
  const events = journalOf(passingRun(runId, 'no-plan'))
  const stream = await viewer(runId)
  const { plan: _plan, ...withoutPlan } = events[0] as Extract<
    JournalEvent,
    { type: 'run.started' }
  >
  const bad = await post(runId, [withoutPlan as JournalEvent, ...events.slice(1)])
  assert.equal(bad.status, 400, bad.text)
  assert.match(bad.text, /body\.events\[0\]\.plan: Required/)
  assert.equal(await eventCount(runId), 0)

  const good = await post(runId, events)
  assert.equal(good.status, 200, good.text)
  assert.equal(await eventCount(runId), events.length)
  await received(stream, events.length)
  assert.deepEqual(seqsOf(stream.messages), range(0, events.length))
  await stream.cancel()
  const metrics = await fetch(`${center.url}/metrics`).then((r) => r.text())
  assert.match(metrics, /^ordeal_probe_passed\{experiment="no-plan",probe="up"\} 1$/m)
})

test("only the run's recorder may feed or finish it (403); a resent seq with other content is 409", async () => {
  const runId = await record('owned')
  const events = journalOf(passingRun(runId, 'owned'))
  const editor = await createUserWithToken(center, 'editor')
  const asEditor = <T>(p: string, body: unknown) =>
    apiFetch<T>(center.url, p, { token: editor.token, method: 'POST', body })
  const yaml = killWebExperiment({ name: 'owned', faultDuration: '2s' })

  const forged = events.map((e) => ({ ...e, t: e.t + 1 }))
  const append = await asEditor(`/api/runs/${runId}/events`, { events: forged })
  assert.equal(append.status, 403, append.text)
  assert.match(append.text, /recorded by another user/)
  const finish = await asEditor(`/api/runs/${runId}/finish`, {})
  assert.equal(finish.status, 403, finish.text)
  const register = await asEditor('/api/runs/record', { yaml, runId })
  assert.equal(register.status, 403, register.text)
  assert.equal(await eventCount(runId), 0)

  assert.equal((await post(runId, events.slice(0, 4))).status, 200)
  // The same seqs again, one of them changed: refused whole, the stored copy stays.
  const changed = await post(runId, [events[2]!, { ...events[3]!, t: 1 } as JournalEvent])
  assert.equal(changed.status, 409, changed.text)
  assert.match(changed.text, /seq 3 was already sent with different content/)
  const page = await api<EventPage>(`/api/runs/${runId}/events?limit=10`)
  assert.deepEqual(page.json.events[3], events[3])
  // Sent again unchanged (a retry after a lost answer): still 200.
  assert.equal((await post(runId, events)).status, 200)
  const finished = await api<RunSummary>(`/api/runs/${runId}/finish`, { method: 'POST', body: {} })
  assert.equal(finished.status, 200, finished.text)
  assert.equal(finished.json.verdict, 'pass')
})

test('probe, step and fault names with control or bidi characters are refused whole (400)', async () => {
  const runId = await record('unsafe-names')
  const events = journalOf(passingRun(runId, 'unsafe-names'))
  const started = events[0] as Extract<JournalEvent, { type: 'run.started' }>
  const step = started.plan[0]!
  const cases: [JournalEvent[], RegExp][] = [
    [
      [
        {
          ...started,
          plan: [{ ...step, probes: [{ ...step.probes[0]!, name: 'up\u202Egnp.exe' }] }],
        },
      ],
      /body\.events\[0\]\.plan\[0\]\.probes\[0\]\.name: must not contain control/,
    ],
    [
      [{ ...started, plan: [{ ...step, name: 'kill\nERROR forged log line' }] }],
      /body\.events\[0\]\.plan\[0\]\.name: must not contain control/,
    ],
    [
      [...events.slice(0, 2), { ...events[2]!, faultId: 'kill\u001b[31m' } as JournalEvent],
      /body\.events\[2\]\.faultId: must not contain control/,
    ],
    [
      events.map((e) => (e.type === 'probe.verdict' ? { ...e, name: 'up\u0085' } : e)),
      /body\.events\[5\]\.name: must not contain control/,
    ],
  ]
  for (const [batch, field] of cases) {
    const bad = await post(runId, batch)
    assert.equal(bad.status, 400, bad.text)
    assert.match(bad.text, field)
  }
  assert.equal(await eventCount(runId), 0)
  assert.equal((await post(runId, events)).status, 200)
  assert.equal(await eventCount(runId), events.length)
})

test('/metrics labels only the probes of the run plan and forgets the run at its end', async () => {
  const runId = await record('cardinality')
  const [started] = journalOf(passingRun(runId, 'cardinality'))
  assert.equal((await post(runId, [started!])).status, 200)
  let seq = 1
  for (let b = 0; b < 20; b++) {
    const batch = Array.from({ length: 5000 }, () => ({
      type: 'probe.attempt',
      probeId: `forged-${seq}`,
      phase: 'during',
      passed: true,
      message: '',
      seq: seq++,
      t: 0,
    }))
    const r = await post(runId, batch as JournalEvent[])
    assert.equal(r.status, 200, r.text)
  }
  assert.equal(
    (
      await post(runId, [
        {
          type: 'probe.attempt',
          probeId: 'kill/up',
          phase: 'during',
          passed: false,
          message: '',
          seq,
          t: 0,
        },
      ])
    ).status,
    200
  )
  let text = await fetch(`${center.url}/metrics`).then((r) => r.text())
  assert.doesNotMatch(text, /forged-|undefined/)
  assert.match(text, /^ordeal_probe_passed\{experiment="cardinality",probe="up"\} 0$/m)
  assert.ok(text.length < 64 * 1024, `/metrics is ${text.length} bytes`)

  const finished = await api<RunSummary>(`/api/runs/${runId}/finish`, { method: 'POST', body: {} })
  assert.equal(finished.status, 200, finished.text)
  text = await fetch(`${center.url}/metrics`).then((r) => r.text())
  assert.doesNotMatch(text, /ordeal_probe_passed\{experiment="cardinality"/)
  assert.match(text, /^ordeal_runs_total\{experiment="cardinality",verdict="\w+"\} 1$/m)
})

test('a recording that sends nothing for --record-idle-timeout is interrupted; later events get 409', async () => {
  const idle = await startChaosCenter({ args: ['--record-idle-timeout', '1s'] })
  try {
    const call = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
      apiFetch<T>(idle.url, p, { token: idle.ownerToken, ...options })
    const runId = 'ingest-idle-1'
    const yaml = killWebExperiment({ name: 'idle', faultDuration: '2s' })
    const created = await call<RunSummary>('/api/runs/record', {
      method: 'POST',
      body: { yaml, runId },
    })
    assert.equal(created.status, 201, created.text)
    const first = await call(`/api/runs/${runId}/events`, {
      method: 'POST',
      body: { events: journal(runId, 10) },
    })
    assert.equal(first.status, 200, first.text)
    // The sweep runs every second; bounded so a server that never sweeps fails, not hangs.
    let status = 'running'
    for (const deadline = Date.now() + 15_000; status === 'running' && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      status = (await call<Run>(`/api/runs/${runId}`)).json.status
    }
    assert.equal(status, 'interrupted')
    const late = await call(`/api/runs/${runId}/events`, {
      method: 'POST',
      body: { events: [{ seq: 10, t: 10, type: 'note' }] },
    })
    assert.equal(late.status, 409, late.text)
  } finally {
    await idle.dispose()
  }
})
