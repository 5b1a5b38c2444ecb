/**
 * Issue 18 §5 through the built CLI: randomised fault timing (`after: 200ms..1s`, a repeated
 * process-kill `interval: 300ms..900ms`) on a launched service. The same seed draws the same
 * values whatever the system does; a run without `--seed` prints the seed that reproduces it;
 * `--dry-run --seed` shows the values the run then draws; a bad range is exit 2, one line.
 * The kills are real: the service writes its own pid to a file each time it starts.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, workspace, type ManifestRun, type Workspace } from '../support/cli.js'
import type { JournalEvent } from '../../src/engine/events.js'

// Answers HTTP, and appends its pid to the file it is given each time it starts.
const server = `import http from 'node:http'
import { appendFileSync } from 'node:fs'
appendFileSync(process.argv[2], process.pid + '\\n')
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string, timing: { after: string; interval: string }): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: the api comes back after every kill
  system:
    services:
      - name: api
        command: node
        args: [server.mjs, ${name}.starts]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}', timeout: 10s }
        restart: always
        backoff: { initial: 50ms, max: 50ms }
  steps:
    - name: random-kills
      fault:
        type: process-kill
        target: { service: api }
        after: ${timing.after}
        interval: ${timing.interval}
        duration: 2s
      probes:
        - name: api-back
          type: http
          mode: EOT
          url: 'http://127.0.0.1:{{services.api.ports.http}}/'
          runProperties: { attempts: 40, interval: 100ms }
`
}

const good = { after: '200ms..1s', interval: '300ms..900ms' }

/** The drawn values the journal holds, in the order drawn: `after` first, then each wait. */
function drawn(events: JournalEvent[]): { field: string; n: number; ms: number }[] {
  return events.flatMap((e) =>
    e.type === 'fault.timing' ? [{ field: e.field, n: e.n, ms: e.ms }] : []
  )
}

/** A run's draws are the other's up to where the shorter stopped (the window's end). */
function assertSameDraws(a: ManifestRun, b: ManifestRun): void {
  const one = drawn(a.events)
  const two = drawn(b.events)
  const common = Math.min(one.length, two.length)
  assert.ok(common >= 3, `after and at least two waits drawn: ${JSON.stringify(one)}`)
  assert.ok(Math.abs(one.length - two.length) <= 1, `${one.length} vs ${two.length} draws`)
  assert.deepEqual(one.slice(0, common), two.slice(0, common))
}

function assertRanges(run: ManifestRun): void {
  for (const d of drawn(run.events)) {
    const [min, max] = d.field === 'after' ? [200, 1000] : [300, 900]
    assert.ok(d.ms >= min && d.ms <= max, `${d.field} #${d.n} = ${d.ms}ms`)
  }
}

/** The kills were real: the service's own file lists the restarts they caused. */
function assertKilled(ws: Workspace, run: ManifestRun, name: string): void {
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  const starts = readFileSync(path.join(ws.dir, `${name}.starts`), 'utf8')
    .trim()
    .split('\n')
  const kills = run.events.filter(
    (e) =>
      e.type === 'fault.action' &&
      /^SIGKILL (?!round skipped)/.test(e.detail) &&
      !/already gone/.test(e.detail)
  )
  assert.ok(kills.length >= 2, `repeated kills: ${kills.length}`)
  // At most one start per kill, plus the first. Not exactly: a kill can hit a replica before
  // it wrote its start line, and the last restart races the end of the run.
  assert.ok(
    starts.length >= 2 && starts.length <= kills.length + 1,
    `${starts.length} starts for ${kills.length} kills: ${starts.join(',')}`
  )
  // The first kill came no sooner than the drawn `after` from the fault step's start.
  const step = run.events.find((e) => e.type === 'step.started' && e.stepId === 'run.0')!
  const afterMs = drawn(run.events).find((d) => d.field === 'after')!.ms
  assert.ok(kills[0]!.t - step.t >= afterMs - 5, `${kills[0]!.t - step.t}ms vs ${afterMs}ms`)
}

const seedOf = (run: ManifestRun): number => {
  const match = /seed (\d+) \(reproduce with --seed \1\)/.exec(run.stdout)
  assert.ok(match, `the seed is printed: ${run.stdout}`)
  return Number(match[1])
}

let one: Workspace
let two: Workspace
before(() => {
  one = workspace()
  two = workspace()
  for (const ws of [one, two]) {
    ws.write('server.mjs', server)
  }
})
after(() => {
  one.cleanup()
  two.cleanup()
})

// Concurrently: the runs wait on their services and faults far more than on the CPU.
describe('randomised fault timing', { concurrency: true }, () => {
  test('the same seed draws the same after and intervals; an unseeded run prints the seed that reproduces it', async () => {
    // Two at a time, each in its own state directory: they share nothing.
    const [unseeded, seven] = await Promise.all([
      one.runManifest('unseeded', manifest('unseeded', good)),
      two.runManifest('seven', manifest('seven', good), ['--seed', '7']),
    ])
    const seed = seedOf(unseeded)
    assert.equal(seedOf(seven), 7)
    assert.equal(unseeded.result?.seed, seed, 'the JSON result carries the seed')
    assert.equal(seven.result?.seed, 7)
    const started = seven.events.find((e) => e.type === 'run.started')
    assert.equal(started?.type === 'run.started' && started.seed, 7, 'journaled in run.started')
    // --dry-run --seed 7 meanwhile: it shows what a run with seed 7 draws.
    const [again, sevenAgain, dry] = await Promise.all([
      one.runManifest('again', manifest('again', good), ['--seed', String(seed)]),
      two.runManifest('seven-again', manifest('seven-again', good), ['--seed', '7']),
      two.run(['run', '--dry-run', '--seed', '7', seven.file]),
    ])
    for (const [ws, run, name] of [
      [one, unseeded, 'unseeded'],
      [two, seven, 'seven'],
      [one, again, 'again'],
      [two, sevenAgain, 'seven-again'],
    ] as const) {
      assertKilled(ws, run, name)
      assertRanges(run)
    }
    assertSameDraws(seven, sevenAgain)
    assertSameDraws(unseeded, again)
    if (seed !== 7) {
      assert.notDeepEqual(drawn(seven.events), drawn(unseeded.events), 'another seed, other values')
    }
    assert.equal(dry.exitCode, 0, dry.stderr)
    const values = drawn(seven.events)
    const afterMs = values.find((d) => d.field === 'after')!.ms
    const afterText = afterMs < 1000 ? `${afterMs}ms` : `${afterMs / 1000}s`
    assert.match(dry.stdout, new RegExp(`after ${afterText} \\(drawn from 200ms\\.\\.1s\\)`))
    const waits = /waits between repeats drawn from 300ms\.\.900ms: ([\dms, ]+)/.exec(dry.stdout)
    assert.ok(waits, dry.stdout)
    const shown = waits[1]!.split(', ').map((w) => Number(w.replace('ms', '')))
    const journaled = values.filter((d) => d.field === 'interval').map((d) => d.ms)
    const common = Math.min(shown.length, journaled.length)
    assert.deepEqual(shown.slice(0, common), journaled.slice(0, common))
  })

  test('without --seed, --dry-run of the example prints its ranges and how to see the values', async () => {
    // Also `ordeal validate` of the example: the dry run loads and checks it the same way.
    const file = path.join(repoRoot, 'examples/deeper-faults/random-kills.yaml')
    const dry = await one.run(['run', '--dry-run', file])
    assert.equal(dry.exitCode, 0, dry.stderr)
    assert.match(dry.stdout, /fault process-kill after 1s\.\.3s for 10s/)
    assert.match(dry.stdout, /every 500ms\.\.2s: each wait drawn from the run's seed/)
    assert.match(dry.stdout, /randomised timing: drawn from a seed the run picks and prints/)
  })

  test('a bad range is exit 2 with one line naming the file, line and field', async () => {
    for (const [name, timing, line] of [
      [
        'reversed',
        { after: '15s..5s', interval: '1s' },
        /^reversed\.yaml:22: spec\.steps\[0\]\.fault\.after: range '15s\.\.5s' must go from low to high \(15s is more than 5s\)$/,
      ],
      [
        'not-a-duration',
        { after: '1s', interval: '5s..x' },
        /^not-a-duration\.yaml:23: spec\.steps\[0\]\.fault\.interval: 'x' is not a duration like 5s, in the range '5s\.\.x'$/,
      ],
    ] as const) {
      // `run` loads through the same loader as `validate` (test/e2e/typos.test.ts checks both).
      const r = await one.run(['validate', one.write(`${name}.yaml`, manifest(name, timing))])
      assert.equal(r.exitCode, 2, r.stdout + r.stderr)
      const lines = r.stderr.trim().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(path.basename(lines[0]!), line)
    }
    const file = one.write('bad-seed.yaml', manifest('bad-seed', good))
    const r = await one.run(['run', '--seed', 'seven', file])
    assert.equal(r.exitCode, 2)
    assert.match(r.stderr, /^ordeal run: --seed 'seven' must be a whole number/)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })
})
