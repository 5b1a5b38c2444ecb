/**
 * The broker + database example (issue 17, the seed's scenario) through the built CLI, on a real
 * 3-node RabbitMQ cluster, MariaDB and Prometheus, with short durations: the facts its README
 * claims. (a) latency on MariaDB: the backlog grows, then drains, the dump rate recovers, nothing
 * acknowledged lost; (b) the feeder killed: re-created, the feed recovers, the refused messages
 * counted, nothing acknowledged lost; (c) MariaDB killed: the consumers never resume the dump by
 * themselves (the recovery check fails: "needs manual restoration"), and with DB_RECONNECT=1 they
 * do; (d) the capacity step: a sustainable feed rate with three broker nodes and with one down,
 * and its HTML report opened in headless Chromium. No process and no data dir of a run is left.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { artifactsDir, launchBrowser } from '../support/browser.js'
import { parseJournal } from '../../src/engine/journal.js'
import type { JournalEvent } from '../../src/engine/events.js'
import type { RunResult } from '../../src/engine/result.js'
import type { ReportReadout } from '../../ui/src/report/readout-types.js'
import { processesMentioning } from '../support/processes.js'
import { until } from '../support/runner-process.js'

const example = path.join(repoRoot, 'examples/broker-database')

let ws: Workspace
let tmp: string
before(() => {
  ws = workspace()
  tmp = path.join(ws.dir, 'tmp')
  mkdirSync(tmp)
})
after(() => ws.cleanup())

interface ExampleRun {
  exitCode: number | null
  output: string
  result: RunResult
  events: JournalEvent[]
}

/**
 * Runs an example manifest as written (its scripts and apps are resolved from the manifest's
 * directory, the apps' packages from the repo), then checks nothing of it is left. With
 * `report`, the run also writes its HTML report into that directory.
 */
async function runExample(
  file: string,
  label: string,
  sets: string[],
  report?: string
): Promise<ExampleRun> {
  const manifest = path.join(example, file)
  const json = path.join(ws.dir, `${label}.json`)
  const journal = path.join(ws.dir, `${label}.ndjson`)
  const cli = await ws.run(
    ['run', manifest, '--json', json, '--journal', journal, '--no-progress']
      .concat(report ? ['--report', report] : [])
      .concat(sets.flatMap((s) => ['--set', s])),
    { env: { TMPDIR: tmp }, timeoutMs: 420_000 }
  )
  const output = cli.stdout.slice(-4000) + cli.stderr.slice(-2000)
  assert.ok(existsSync(journal), `the run started: ${output}`)
  const run: ExampleRun = {
    exitCode: cli.exitCode,
    output,
    result: JSON.parse(readFileSync(json, 'utf8')) as RunResult,
    events: parseJournal(readFileSync(journal, 'utf8')),
  }
  // SIGKILLed group members may take a moment to leave /proc on a loaded machine.
  await until(() => processesMentioning(run.result.runId).length === 0, 10_000).catch(() => 0)
  assert.deepEqual(processesMentioning(run.result.runId), [], 'no process of the run left')
  const runDir = path.join(ws.stateDir, 'runs', run.result.runId)
  assert.equal(existsSync(path.join(runDir, 'data')), false, 'data dirs removed')
  return run
}

const probe = (r: ExampleRun, name: string) => {
  const p = r.result.probes.find((x) => x.name === name)
  assert.ok(p, `probe ${name} in ${JSON.stringify(r.result.probes.map((x) => x.name))}`)
  return p
}
const check = (r: ExampleRun, name: string) => {
  const c = r.result.checks.find((x) => x.name === name)
  assert.ok(c, `check ${name} in ${JSON.stringify(r.result.checks.map((x) => x.name))}`)
  return c
}
const load = (r: ExampleRun, name: string) => {
  const l = r.result.loads.find((x) => x.name === name)
  assert.ok(l?.summary, `load ${name}`)
  return l.summary
}
const samples = (r: ExampleRun, metric: string) =>
  r.events.flatMap((e) => (e.type === 'metric.sample' && e.name === metric ? [e.sample] : []))

// Short runs: the system takes ~30 s to boot (three RabbitMQ nodes one after another). Each
// fault is followed by a wait as long as its checks' `within`: the metrics are sampled until
// the steps end.
const short = ['FEED_DURATION=24s', 'KILL_AFTER=8s', 'KILL_DURATION=8s', 'RESUME_WITHIN=20s']

const unexpectedExits = (r: ExampleRun, service: string) =>
  r.events.filter((e) => e.type === 'service.exited' && e.service === service && !e.expected)

// Two runs at a time: a 3-node cluster each; a third would starve this 2-core machine.
describe('broker + database example', { concurrency: 2 }, () => {
  // The longest first: the five runs end sooner two at a time.
  test('(d) capacity with three broker nodes and with one down; its HTML report', async () => {
    const report = path.join(ws.dir, 'capacity-report')
    const capacity = await runExample(
      'capacity.yaml',
      'capacity',
      [
        'BASELINE_RATE=150',
        'BASELINE_DURATION=12s',
        // Low enough that the first trial of each phase passes on a starved CI machine: the
        // search's accuracy is not this test's subject (test/integration/capacity/ is).
        'CAPACITY_START=50',
        'CAPACITY_MAX=800',
        'PRECISION=25%',
        'TRIAL=8s',
        'WARMUP=5s',
        'FAULT_PHASE=2m',
        // Latency is not this test's subject: next to another 3-node cluster on two loaded cores
        // the baseline's first seconds at 150/s reached a p99 of 1.3 s (the generator CPU-bound).
        'P99_MS=10000',
      ],
      report
    )
    assert.equal(capacity.exitCode, 0, capacity.output)
    // Exit 0 already says the baseline held its thresholds (under 1 % failed): a request that
    // timed out on a starved machine is within them, and is not what this test is about.
    const baselineLoad = load(capacity, 'baseline')
    assert.ok(baselineLoad.failed <= baselineLoad.requests * 0.01, `${baselineLoad.failed} failed`)
    assert.equal(check(capacity, 'all-dumped').lost, 0)
    assert.equal(unexpectedExits(capacity, 'rabbitmq').length, 1, 'one broker node went down')
    assert.ok(
      !capacity.events.some((e) => e.type === 'service.restarting' && e.service === 'rabbitmq'),
      'and stayed down (restart: never)'
    )
    const ended = capacity.events.find((e) => e.type === 'capacity.result')
    assert.ok(ended?.type === 'capacity.result', 'the capacity step ended with a result')
    const { baseline, fault } = ended.result
    assert.ok(baseline.sustainable !== null && baseline.sustainable >= 50, 'a rate without fault')
    assert.ok(fault, 'a fault phase ran')
    assert.equal(fault.mode, 'held')
    assert.ok(fault.sustainable !== null, 'the quorum queue kept working on 2 of 3')
    // A change in percent, or, when the baseline is only a lower bound (max reached, the
    // generator's limit), no percent and the reason why: never a number that cannot be trusted.
    const { changePercent, changeUnknown } = ended.result
    assert.ok(
      typeof changePercent === 'number' || (changeUnknown ?? '').length > 0,
      JSON.stringify({ changePercent, changeUnknown, baseline })
    )

    // The report, from file:// in headless Chromium: both phases on the capacity chart, the
    // load's latency and the backlog drawn.
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
      await page.goto(pathToFileURL(path.join(report, 'report.html')).href)
      await page.waitForFunction('window.__ordealReport?.ready || window.__ordealReport?.error')
      const readout = (await page.evaluate('window.__ordealReport')) as ReportReadout
      assert.equal(readout.error, undefined)
      const curve = readout.charts['capacity-0-latency']
      assert.ok(curve, `a capacity chart in ${Object.keys(readout.charts).join(', ')}`)
      assert.deepEqual(
        (curve.marks ?? []).map((m) => m.rate),
        [baseline.sustainable, fault.sustainable],
        'both phases marked at their sustainable rate'
      )
      const trials = baseline.trials + fault.trials
      assert.equal(curve.points, trials * 2, 'p50 and p99 of every trial of both phases')
      for (const [id, chart] of Object.entries(readout.charts)) {
        if (/latency|metric/.test(id)) {
          assert.ok(chart.points > 0, `${id} has data`)
        }
      }
      const metricCharts = Object.keys(readout.charts).filter((id) => id.startsWith('metric-'))
      assert.equal(metricCharts.length, 2, 'the backlog and the dump rate')
      await page.screenshot({
        path: path.join(artifactsDir('broker-database'), 'capacity-report.png'),
        fullPage: true,
      })
    } finally {
      await browser.close()
    }
  })

  test('(a) latency on MariaDB: the backlog grows, then drains; the dump rate recovers', async () => {
    // A short latency and a generous target: how fast 1,300 messages drain depends on the
    // machine's load (22 s once under a 20 s target); a few hundred drain in seconds.
    // The latency starts 12 s into the feed: the recovery check's "before" is the dump rate's
    // mean over the 10 s before it, and Prometheus's rate() has no series for the first seconds
    // after the system is ready (6 s once left the window without a sample).
    const latency = await runExample('latency.yaml', 'latency', [
      'FEED_DURATION=30s',
      'LATENCY_AFTER=12s',
      // 10 s, not 6: a 6 s latency once left a peak of 93 (the dump slowed less on a loaded
      // machine), under the 100 the probe and this test ask for.
      'LATENCY_DURATION=10s',
      'DRAIN_WITHIN=30s',
    ])
    assert.equal(latency.exitCode, 0, latency.output)
    assert.equal(latency.result.verdict, 'pass')
    assert.equal(probe(latency, 'backlog-empty-before').verdict, 'Passed')
    assert.equal(probe(latency, 'backlog-grew').verdict, 'Passed', 'messages accumulated')
    assert.equal(probe(latency, 'dump-rate-dropped').verdict, 'Passed', 'the dump slowed')
    assert.equal(probe(latency, 'backlog-drained').verdict, 'Passed')
    assert.equal(load(latency, 'feed').failed, 0, 'the feed never suffered')
    const dumped = check(latency, 'all-dumped')
    assert.equal(dumped.verdict, 'Passed')
    assert.equal(dumped.lost, 0)
    // The metrics: sampled every second, the backlog's peak and the dump rate's return judged.
    const depth = samples(latency, 'queue-depth')
    assert.ok(depth.length > 10, 'queue depth sampled every second')
    assert.ok(Math.max(...depth.map((s) => s.value)) > 100, 'the backlog peaked above 100')
    assert.ok(samples(latency, 'dump-rate').length > 10, 'dump rate sampled')
    const drains = check(latency, 'backlog-drains')
    assert.equal(drains.verdict, 'Passed', drains.message)
    const recovers = check(latency, 'dump-rate-recovers')
    assert.equal(recovers.verdict, 'Passed', recovers.message)
  })

  test('(b) the feeder killed: re-created, the feed recovers, refusals counted', async () => {
    // The feeder is down for 1–2 s: in a 24 s feed that is up to ~8 % of the messages.
    const feederKill = await runExample('feeder-kill.yaml', 'feeder-kill', [
      'FEED_DURATION=24s',
      'KILL_AFTER=8s',
      'KILL_DURATION=8s',
      'DROPPED_AT_MOST=0.15',
    ])
    assert.equal(feederKill.exitCode, 0, feederKill.output)
    assert.equal(probe(feederKill, 'feeder-recreated').verdict, 'Passed')
    assert.equal(probe(feederKill, 'feed-recovered').verdict, 'Passed')
    const feed = load(feederKill, 'feed')
    assert.ok(feed.failed > 0, 'messages were refused while the feeder was down')
    assert.ok(feed.failed < feed.requests * 0.15, `${feed.failed} of ${feed.requests} refused`)
    assert.equal(unexpectedExits(feederKill, 'feeder').length, 1, 'the feeder was killed once')
    const started = feederKill.events.filter(
      (e) => e.type === 'service.started' && e.service === 'feeder'
    )
    assert.equal(started.length, 2, 'and re-created')
    const dumped = check(feederKill, 'all-dumped')
    assert.equal(dumped.lost, 0, 'nothing the feeder acknowledged was lost')
    assert.ok(samples(feederKill, 'publish-rate').length > 10, 'publish rate sampled')
  })

  test('(c) MariaDB killed: the dump does not resume by itself (manual restoration)', async () => {
    const mariadbKill = await runExample('mariadb-kill.yaml', 'mariadb-kill', short)
    assert.equal(mariadbKill.exitCode, 1, mariadbKill.output)
    assert.equal(mariadbKill.result.verdict, 'fail')
    assert.equal(probe(mariadbKill, 'mariadb-recreated').verdict, 'Passed', 'the database is back')
    assert.equal(probe(mariadbKill, 'backlog-drained').verdict, 'Failed', 'the queue never empties')
    const dumped = check(mariadbKill, 'all-dumped')
    assert.equal(dumped.verdict, 'Failed')
    assert.ok(dumped.lost > 0, 'acknowledged messages never reached the dump')
    assert.equal(load(mariadbKill, 'feed').failed, 0, 'the broker kept taking messages')
    // The recovery check is the one that says "needs manual restoration": the dump never resumes.
    const resumes = check(mariadbKill, 'dump-resumes')
    assert.equal(resumes.verdict, 'Failed', resumes.message)
    assert.match(resumes.message ?? '', /never/)
    assert.equal(check(mariadbKill, 'backlog-drains').verdict, 'Failed')
  })

  test('(c) with DB_RECONNECT=1 the consumers resume the dump by themselves', async () => {
    const fixed = await runExample('mariadb-kill.yaml', 'mariadb-kill-fixed', [
      ...short,
      'DB_RECONNECT=1',
    ])
    assert.equal(fixed.exitCode, 0, fixed.output)
    assert.equal(probe(fixed, 'backlog-drained').verdict, 'Passed')
    assert.equal(check(fixed, 'all-dumped').lost, 0)
    const resumes = check(fixed, 'dump-resumes')
    assert.equal(resumes.verdict, 'Passed', resumes.message)
    assert.equal(check(fixed, 'backlog-drains').verdict, 'Passed')
  })
})

describe('broker + database example, after the runs', () => {
  test('no temp file left by any run', () => {
    assert.deepEqual(readdirSync(tmp), [])
  })
})
