import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, RunSummary, StreamMessage } from '../../shared/api.js'
import { StreamLost } from './client.js'
import { BACKOFF, CenterLost, followRun, type StreamSource } from './follow.js'

const summary = (status: RunSummary['status'], extra: Partial<RunSummary> = {}): RunSummary =>
  ({ id: 'r1', status, ...extra }) as RunSummary
const ev = (seq: number) => ({ seq, t: seq, type: 'probe.ok' }) as unknown as JournalEvent

/** A scripted server: each connection plays one script entry (messages, then close or fail). */
function scripted(
  script: Array<{ messages: StreamMessage[]; fail?: boolean }>,
  afters: number[]
): StreamSource {
  let i = 0
  return {
    stream(_id, after, onMessage) {
      afters.push(after)
      const step = script[i++] ?? { messages: [], fail: true }
      for (const m of step.messages) {
        onMessage(m)
      }
      return step.fail ? Promise.reject(new StreamLost('ECONNREFUSED')) : Promise.resolve()
    },
  }
}

test('reconnects with after= the last seq seen and delivers every event once, in order', async () => {
  const afters: number[] = []
  const got: number[] = []
  const statuses: string[] = []
  const source = scripted(
    [
      { messages: [{ event: 'status', data: summary('queued', { queueReason: 'busy' }) }] },
      {
        messages: [
          { event: 'status', data: summary('running', { agent: 'edge-1' }) },
          { event: 'journal', data: [ev(0), ev(1), ev(2)] },
        ],
        fail: true,
      },
      {
        messages: [
          { event: 'journal', data: [ev(2), ev(3)] },
          { event: 'status', data: summary('finished', { verdict: 'pass' }) },
        ],
      },
    ],
    afters
  )
  const sleeps: number[] = []
  const ended = await followRun(source, {
    runId: 'r1',
    signal: new AbortController().signal,
    onJournal: (events) => got.push(...events.map((e) => e.seq)),
    onStatus: (run) => statuses.push(run.status),
    now: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
  })
  assert.equal(ended.status, 'finished')
  assert.deepEqual(afters, [-1, -1, 2])
  assert.deepEqual(got, [0, 1, 2, 3])
  assert.deepEqual(statuses, ['queued', 'running', 'finished'])
  assert.ok(sleeps.every((ms) => ms >= BACKOFF.firstMs && ms <= BACKOFF.maxMs))
})

test('silence for lostAfterMs ends the follow with CenterLost; the backoff stays within 0.5..5 s', async () => {
  let clock = 0
  const sleeps: number[] = []
  await assert.rejects(
    followRun(scripted([], []), {
      runId: 'r1',
      signal: new AbortController().signal,
      onJournal: () => undefined,
      onStatus: () => undefined,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms)
        clock += ms
      },
      lostAfterMs: 60_000,
    }),
    CenterLost
  )
  assert.equal(sleeps[0], 500)
  assert.equal(Math.max(...sleeps), 5000)
  assert.ok(clock >= 60_000 && clock < 66_000, `gave up at ${clock} ms`)
})

test('an error that is not a lost stream (token revoked) ends the follow at once', async () => {
  const source: StreamSource = { stream: () => Promise.reject(new Error('401')) }
  await assert.rejects(
    followRun(source, {
      runId: 'r1',
      signal: new AbortController().signal,
      onJournal: () => undefined,
      onStatus: () => undefined,
      sleep: async () => undefined,
    }),
    /401/
  )
})
