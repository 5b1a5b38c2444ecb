/**
 * `ordeal demo` on real RabbitMQ (issue: the flagship scenario): v1 loses acknowledged orders
 * and scores 50, v2 loses none and scores 100; nothing is left behind, and Ctrl+C at any
 * point leaves nothing running.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'
import { parseJournal } from '../../src/engine/journal.js'
import type { RunResult } from '../../src/engine/result.js'
import { processesMentioning } from '../support/processes.js'
import { startRunner, until } from '../support/runner-process.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

function assertNothingLeft(stateDir: string): void {
  assert.deepEqual(processesMentioning(stateDir), [], 'no RabbitMQ node, epmd or service left')
  const runs = path.join(stateDir, 'runs')
  for (const run of existsSync(runs) ? readdirSync(runs) : []) {
    assert.equal(existsSync(path.join(runs, run, 'data')), false, `data dir of ${run} removed`)
  }
}

describe('ordeal demo order-delivery', () => {
  test(
    'v1 loses acknowledged orders (score 50), v2 loses none (score 100)',
    { timeout: 600_000 },
    async () => {
      const stateDir = path.join(ws.dir, 'demo-state')
      const json = path.join(ws.dir, 'demo.json')
      const tmp = path.join(ws.dir, 'demo-tmp')
      mkdirSync(tmp)
      const r = await ws.run(
        ['demo', 'order-delivery', '--duration', '20s', '--json', json, '--no-progress'],
        {
          env: { ORDEAL_STATE_DIR: stateDir, TMPDIR: tmp },
          timeoutMs: 540_000,
        }
      )
      assert.equal(r.exitCode, 0, r.stdout.slice(-3000) + r.stderr)
      const { v1, v2 } = JSON.parse(readFileSync(json, 'utf8')) as { v1: RunResult; v2: RunResult }
      const [c1, c2] = [v1.checks[0]!, v2.checks[0]!]
      assert.equal(v1.verdict, 'fail')
      assert.equal(v1.resilienceScore, 50)
      assert.ok(c1.lost > 0, `v1 lost acknowledged orders (${c1.lost})`)
      assert.equal(v2.verdict, 'pass')
      assert.equal(v2.resilienceScore, 100)
      assert.equal(c2.lost, 0)
      for (const c of [c1, c2]) {
        assert.equal(typeof c.duplicated, 'number', 'duplicates are reported')
        assert.equal(typeof c.unexpected, 'number')
      }
      assert.match(r.stdout, /lost \(acknowledged, never delivered\)\s+[1-9]\d*\s+0/)
      assertNothingLeft(stateDir)
      assert.deepEqual(readdirSync(tmp), [], 'a demo that reproduced keeps no temp report')
    }
  )

  test(
    'a demo that does not reproduce keeps both journals and reports, and says where',
    { timeout: 300_000 },
    async () => {
      // An `epmd` that dies at once: both versions fail to start their system, quickly and
      // every time, without RabbitMQ having to misbehave.
      const bin = path.join(ws.dir, 'broken-epmd-bin')
      mkdirSync(bin)
      ws.write('broken-epmd-bin/epmd', '#!/bin/sh\necho "epmd: broken on purpose" >&2\nexit 1\n')
      chmodSync(path.join(bin, 'epmd'), 0o755)
      const tmp = path.join(ws.dir, 'tmp')
      mkdirSync(tmp)
      const stateDir = path.join(ws.dir, 'broken-state')
      const r = await ws.run(['demo', '--duration', '5s', '--no-progress'], {
        env: { ORDEAL_STATE_DIR: stateDir, TMPDIR: tmp, PATH: `${bin}:${process.env['PATH']}` },
        timeoutMs: 240_000,
      })
      assert.equal(r.exitCode, 1, r.stdout.slice(-3000) + r.stderr)
      const where = /journal and report of each run: (\S+) \(/.exec(r.stderr)
      assert.ok(where, `the path is printed: ${r.stderr}`)
      const dir = where[1]!
      assert.equal(path.dirname(dir), tmp, 'a kept temp dir when --report is not given')
      for (const version of ['v1', 'v2']) {
        const events = parseJournal(
          readFileSync(path.join(dir, `${version}.journal.ndjson`), 'utf8')
        )
        assert.equal(events.at(-1)?.type, 'run.ended', `${version}'s journal is complete`)
        const result = JSON.parse(
          readFileSync(path.join(dir, `${version}.result.json`), 'utf8')
        ) as RunResult
        assert.equal(result.verdict, 'error')
        assert.match(readFileSync(path.join(dir, `${version}.junit.xml`), 'utf8'), /<testsuite/)
      }
      assertNothingLeft(stateDir)
    }
  )

  for (const [moment, pattern] of [
    ['while the broker boots', /starting system/],
    ['under load, around the kill', /process-kill injected/],
  ] as const) {
    test(`Ctrl+C ${moment} leaves nothing running`, { timeout: 300_000 }, async () => {
      const stateDir = path.join(ws.dir, `sigint-${moment.replace(/\W+/g, '-')}`)
      const runner = startRunner(['demo', '--duration', '20s', '--no-progress'], {
        cwd: ws.dir,
        env: { ORDEAL_STATE_DIR: stateDir, TMPDIR: ws.dir }, // the kept report stays in ws
      })
      await runner.waitFor(pattern, 120_000)
      runner.child.kill('SIGINT')
      const exitCode = await new Promise<number | null>((resolve) =>
        runner.child.once('exit', (code) => resolve(code))
      )
      assert.equal(exitCode, 130, runner.output().slice(-2000))
      // Teardown happened before exit; allow the kernel a moment to reap the last children.
      await until(() => processesMentioning(stateDir).length === 0, 5000)
      assertNothingLeft(stateDir)
    })
  }
})
