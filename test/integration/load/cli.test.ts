/** `ordeal load` end to end, through the built CLI. */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { LoadSummary } from '../../../src/load/contract.js'
import { cliPath, collect, repoRoot } from '../../support/cli.js'
import type { CliResult } from '../../support/cli.js'
import { startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

function ordealLoad(args: string[]): Promise<CliResult> {
  const argv = [cliPath, 'load', ...args]
  const child = spawn(process.execPath, argv, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return collect(child, 60_000)
}

describe('ordeal load', () => {
  let server: TestServer
  let dir: string
  before(async () => {
    server = await startTestServer()
    dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-load-cli-'))
  })
  after(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const bad: [string, string[], RegExp][] = [
    ['--rate 0', ['--rate', '0', '--duration', '1s'], /^ordeal load: --rate '0' must be a number/],
    ['--rate abc', ['--rate', 'abc', '--duration', '1s'], /^ordeal load: --rate 'abc' must be/],
    ['no --rate', ['--duration', '1s'], /^ordeal load: --rate is required/],
    [
      '--rate and --concurrency',
      ['--rate', '10', '--concurrency', '2', '--duration', '1s'],
      /^ordeal load: --rate \(open model\) and --concurrency \(closed loop\) exclude each other$/,
    ],
    [
      '--concurrency 0',
      ['--concurrency', '0', '--duration', '1s'],
      /^ordeal load: --concurrency '0' must be a whole number from 1/,
    ],
    [
      '--concurrency and --max-in-flight',
      ['--concurrency', '2', '--max-in-flight', '10', '--duration', '1s'],
      /^ordeal load: --concurrency sets both the connections and the requests in flight; drop --max-in-flight and --connections$/,
    ],
    [
      '--concurrency and --connections',
      ['--concurrency', '2', '--connections', '1', '--duration', '1s'],
      /^ordeal load: --concurrency sets both/,
    ],
    [
      'a header value outside Latin-1',
      ['--rate', '10', '--duration', '1s', '--header', 'x-name: \u2713 ok'],
      /^ordeal load: invalid character U\+2713 in header 'x-name'/,
    ],
    [
      '--duration 3x',
      ['--rate', '10', '--duration', '3x'],
      /^ordeal load: --duration '3x' must be a duration/,
    ],
    ['--duration 0s', ['--rate', '10', '--duration', '0s'], /^ordeal load: --duration '0s'/],
    [
      'threshold p95',
      ['--rate', '10', '--duration', '1s', '--threshold', 'http_req_duration=p95<200'],
      /^ordeal load: --threshold 'http_req_duration=p95<200': unknown aggregation 'p95' for http_req_duration \(use p\(95\)\)$/,
    ],
    [
      'threshold without metric',
      ['--rate', '10', '--duration', '1s', '--threshold', 'p(95)<200'],
      /^ordeal load: --threshold 'p\(95\)<200' must be 'metric=expression'/,
    ],
    [
      'unknown template variable',
      ['--rate', '10', '--duration', '1s', '--body', '{{nope}}'],
      /^ordeal load: body: unknown template variable \{\{nope\}\}$/,
    ],
  ]
  for (const [name, args, message] of bad) {
    test(`bad input (${name}): one line, exit 2, nothing sent`, async () => {
      const r = await ordealLoad([`${server.base}/ok`, ...args])
      assert.equal(r.exitCode, 2, r.stderr)
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0]!, message)
      assert.equal(r.stdout, '')
      assert.equal((await server.stats()).count, 0, 'no request was sent')
    })
  }

  test('--json writes the summary; thresholds that hold exit 0', async () => {
    const file = path.join(dir, 'summary.json')
    const r = await ordealLoad([
      `${server.base}/ok`,
      ...['--rate', '40', '--duration', '1s', '--json', file],
      ...[
        '--threshold',
        'http_req_duration=p(95)<5000',
        '--threshold',
        'http_req_failed=rate<0.01',
      ],
      ...['--header', 'x-test: yes', '--max-in-flight', '50', '--timeout', '5s'],
    ])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const summary = JSON.parse(readFileSync(file, 'utf8')) as LoadSummary
    assert.equal(summary.requests, 40)
    assert.equal(summary.ok, 40)
    assert.equal(summary.failed, 0)
    assert.equal(summary.dropped, 0)
    assert.equal(summary.rate.target, 40)
    assert.ok(Math.abs(summary.rate.achieved - 40) < 1)
    for (const kind of ['service', 'response'] as const) {
      for (const key of ['p50', 'p90', 'p95', 'p99', 'max', 'min', 'avg'] as const) {
        assert.equal(typeof summary.latency[kind][key], 'number', `${kind}.${key}`)
      }
    }
    assert.ok(summary.latency.service.max < 5000, 'times are in ms')
    assert.ok(Array.isArray(summary.timeline) && summary.timeline[0]!.second === 0)
    assert.deepEqual(
      summary.thresholds.map((t) => [t.metric, t.expression, t.ok]),
      [
        ['http_req_duration', 'p(95)<5000', true],
        ['http_req_failed', 'rate<0.01', true],
      ]
    )
    assert.deepEqual(summary.warnings, [])
    assert.equal(summary.aborted, false)
    // Not a terminal: one plain line per second, then the k6-like summary.
    assert.match(r.stdout, /^\s+1s {2}sent \d+ {2}ok \d+ {2}errors 0 {2}dropped 0/m)
    assert.match(r.stdout, /THRESHOLDS[\s\S]*http_req_duration\n\s+✓ 'p\(95\)<5000' p\(95\)=/)
    assert.match(r.stdout, /http_reqs\.+: 40 /)
    assert.match(r.stdout, /http_req_failed\.+: 0\.00% {2}0 out of 40/)
    assert.match(r.stdout, /dropped_iterations\.+: 0 /)
    assert.match(
      r.stdout,
      /http_req_duration\.+: avg=\S+ min=\S+ med=\S+ max=\S+ p\(90\)=\S+ p\(95\)=\S+ p\(99\)=\S+/
    )
    assert.match(r.stdout, /http_req_service_duration\.+: avg=/)
  })

  test('--concurrency: a closed loop for --duration, the same summary', async () => {
    const file = path.join(dir, 'closed.json')
    const r = await ordealLoad([
      `${server.base}/ok`,
      ...['--concurrency', '4', '--duration', '1s', '--workers', '1', '--json', file],
    ])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /closed loop on 4 connections for 1s/)
    assert.match(r.stdout, /http_reqs\.+: \d+ +\S+\/s \(closed loop\)/)
    const summary = JSON.parse(readFileSync(file, 'utf8')) as LoadSummary
    assert.ok(summary.requests > 4)
    assert.equal(summary.ok, summary.requests)
    assert.equal(summary.rate.target, 0)
  })

  test('a failed threshold exits 1 and is marked ✗', async () => {
    const r = await ordealLoad([
      `${server.base}/status/500`,
      ...['--rate', '20', '--duration', '1s', '--threshold', 'http_req_failed=rate<0.01'],
    ])
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /✗ 'rate<0\.01' rate=100%/)
    assert.match(r.stdout, /20 out of 20 \(20 status, 0 timeout, 0 connection\)/)
  })
})
