import { test } from 'node:test'
import assert from 'node:assert/strict'
import { reportJournal, reportResult, reportTimes } from '../../../test/support/report-journal.js'
import { ReportCollector } from './collect.js'
import { MAX_FINDINGS } from './bounds.js'

function collect(options: Parameters<typeof reportJournal>[0] = {}) {
  const events = [...reportJournal(options)]
  return new ReportCollector().addAll(events).finish(reportResult(events))
}

test('the headline comes from the result; the timeline from the journal, in seconds since the start', () => {
  const data = collect()
  const times = reportTimes()
  assert.equal(data.verdict, 'fail')
  assert.equal(data.score, 62.5)
  assert.match(data.hypothesis, /none is lost/)
  assert.deepEqual(
    data.faults.map((f) => [f.faultType, f.step, f.start, f.end]),
    [['proxy-latency', 'slow-db', times.faultStart, times.faultEnd]]
  )
  const traffic = data.steps.find((s) => s.name === 'traffic')
  assert.equal(traffic?.start, times.loadStart)
  assert.equal(traffic?.status, 'ok')
})

test('load ticks become a per-second series on the run axis; ops are counted, never embedded', () => {
  const data = collect({ seconds: 12, rate: 20 })
  assert.equal(data.load.time.length, 12)
  assert.equal(data.loadBucket, 1)
  // The tick of load second s measures [1 + s, 2 + s) of the run; it is written at its end.
  assert.ok(data.load.time.every((t, i) => i === 0 || t > data.load.time[i - 1]!))
  assert.equal(data.load.time[0], 1.999)
  assert.equal(Math.max(...data.load.p99), 950)
  assert.equal(data.ops, 12 * 20 * 2)
  assert.doesNotMatch(JSON.stringify(data), /"invoke"/)
})

test('probe attempts are placed on the time axis; failures keep their message', () => {
  const data = collect()
  const [probe] = data.probes
  assert.equal(probe?.name, 'api-up')
  assert.equal(probe?.verdict, 'Failed')
  assert.equal(probe?.attempts.length, 11)
  const failed = probe!.attempts.filter((a) => !a.passed)
  assert.equal(failed.length, 3)
  assert.ok(failed.every((a) => a.message === 'timeout after 1000ms'))
  const { faultStart, faultEnd } = reportTimes()
  assert.ok(failed.every((a) => a.t >= faultStart && a.t < faultEnd))
})

test("the queue check's lost and duplicated ids keep their times, capped with the total counted", () => {
  const data = collect({ lost: 3 })
  const [check] = data.checks
  assert.equal(check?.verdict, 'Failed')
  assert.deepEqual(
    check?.lost.map((f) => [f.id, f.at, f.acked]),
    [
      ['order-0', 5, 5.05],
      ['order-7', 5.1, 5.15],
      ['order-14', 5.2, 5.25],
    ]
  )
  assert.deepEqual(
    check?.duplicated.map((f) => [f.id, f.count]),
    [['order-99', 2]]
  )
  const many = collect({ lost: MAX_FINDINGS + 250, seconds: 3, rate: 1 }).checks[0]!
  assert.equal(many.lost.length, MAX_FINDINGS)
  assert.equal(many.lostTotal, MAX_FINDINGS + 250)
})

test('metric samples are one series per metric, relative times, every sample kept when few', () => {
  const data = collect({ seconds: 12 })
  assert.equal(data.metrics.length, 1)
  const m = data.metrics[0]!
  assert.equal(m.name, 'queue-depth')
  assert.equal(m.samples, 12)
  assert.equal(m.t.length, 12)
  assert.equal(m.t[0], 1.002)
  assert.equal(Math.max(...m.v), 1200)
})

test('capacity trials and the result are kept for the curve', () => {
  const data = collect()
  assert.equal(data.capacity.length, 1)
  const c = data.capacity[0]!
  assert.equal(c.name, 'find-capacity')
  assert.equal(c.trials.filter((t) => t.phase === 'baseline').length, 6)
  assert.equal(c.trials.filter((t) => t.phase === 'fault').length, 5)
  assert.equal(c.result?.baseline.sustainable, 600)
  assert.equal(c.result?.fault?.sustainable, 300)
  assert.equal(collect({ capacity: false }).capacity.length, 0)
})

test('an hour and a half of ticks is bucketed, the worst latency kept', () => {
  const data = collect({ seconds: 5400, rate: 1, fault: [4000, 4001] })
  assert.ok(data.load.time.length <= 3600)
  assert.equal(data.loadBucket, 2)
  assert.equal(Math.max(...data.load.p99), 950)
  assert.ok(data.metrics[0]!.t.length <= 4000)
  assert.equal(Math.max(...data.metrics[0]!.v), 700)
})

test('an event seen twice (overlapping reads) counts once, as in the run view', () => {
  const events = [...reportJournal({ seconds: 4, rate: 2 })]
  const once = new ReportCollector().addAll(events).finish(reportResult(events))
  const twice = new ReportCollector()
    .addAll(events.slice(0, 30))
    .addAll(events)
    .finish(reportResult(events))
  assert.deepEqual(twice, once)
})

test('a backlog check keeps its one-line reason; a queue check keeps its unexpected ids', () => {
  const events = [...reportJournal({ seconds: 4, rate: 2 })]
  const ended = events.pop()!
  const t = ended.t - 1
  const more = [
    {
      type: 'check.result',
      checkId: 'check/backlog-drains',
      name: 'backlog-drains',
      checkType: 'backlog',
      result: {
        type: 'backlog',
        valid: false,
        metric: 'queue-depth',
        below: 100,
        withinMs: 30_000,
        fault: 'slow-db',
        faultEndedAt: events[0]!.t + 5000,
        peak: 1200,
        peakAt: events[0]!.t + 4000,
        reason: 'never drained below 100',
      },
    },
    {
      type: 'check.result',
      checkId: 'check/strays',
      name: 'strays',
      checkType: 'queue',
      result: {
        type: 'queue',
        valid: false,
        attempted: 2,
        acknowledged: 2,
        delivered: 4,
        lost: [],
        duplicated: [],
        unexpected: ['ghost-1', 'ghost-2'],
        recovered: [],
        duplicatesPolicy: 'fail',
      },
    },
  ].map((body, i) => ({ ...events[events.length - 1]!, ...body, seq: ended.seq + i, t }))
  const all = [...events, ...more, { ...ended, seq: ended.seq + 2 }] as typeof events
  const data = new ReportCollector().addAll(all).finish(reportResult(all))
  const backlog = data.checks.find((c) => c.name === 'backlog-drains')!
  assert.equal(backlog.verdict, 'Failed')
  assert.match(backlog.message ?? '', /never drained below 100/)
  const strays = data.checks.find((c) => c.name === 'strays')!
  assert.deepEqual(strays.unexpected, ['ghost-1', 'ghost-2'])
  assert.equal(strays.unexpectedTotal, 2)
})
