/**
 * One experiment over two hosts (issue 14 item 5), with real processes only: a Chaos Center on
 * a bridge, two `ordeal agent`s each in its own network namespace, a service on host a (`api`)
 * whose dependency (`db`) runs on host b, a partition between the two hosts applied by BOTH
 * agents (each drops its side, seen in each namespace's own `iptables-save`), a probe from
 * host a. The merged journal puts both sides' fault events before the probe's failure and the
 * reverts after it, each event of an agent carrying its host and corrected time.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { runCli, workspace } from '../../support/cli.js'
import { createFleet, type AgentProcess, type Fleet } from '../../support/fleet.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import {
  assertGapless,
  eventually,
  getRun,
  journalOf,
  recordedRunId,
  writeManifest,
} from './checks.js'

let fleet: Fleet
let agentB: AgentProcess
let editorTokenFile: string
const ws = workspace()

/** host a's api: answers 200 when db on host b answers within 500 ms, else 502. */
const API = `import http from 'node:http'
const [port, upstream] = process.argv.slice(2)
http
  .createServer(async (_req, res) => {
    try {
      const r = await fetch(upstream, { signal: AbortSignal.timeout(500) })
      res.writeHead(r.ok ? 200 : 502).end(r.ok ? 'ok' : 'db said ' + r.status)
    } catch (error) {
      res.writeHead(502).end('db unreachable: ' + (error.cause?.code ?? error.name))
    }
  })
  .listen(Number(port), '0.0.0.0')
`

function twoHosts(name: string): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the api on host web answers while host data is cut off
  deadline: 2m
  system:
    agents: [{ name: web }, { name: data }]
    services:
      - name: db
        agent: data
        command: /usr/bin/python3
        args: [-m, http.server, '{{ports.http}}', --bind, 0.0.0.0]
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/', timeout: 20s }
      - name: api
        agent: web
        command: node
        args: [./api.mjs, '{{ports.http}}', 'http://{{services.db.host}}:{{services.db.ports.http}}/']
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/', timeout: 20s }
  steps:
    - name: cut-web-from-data
      fault:
        type: network-partition
        between: [['agent:web'], ['agent:data']]
        duration: 3s
      probes:
        - name: api-before
          agent: web
          type: http
          mode: SOT
          url: 'http://127.0.0.1:{{services.api.ports.http}}/'
          expect: { status: 200 }
          runProperties: { timeout: 2s, attempts: 20, interval: 250ms }
        - name: api-answers
          agent: web
          type: http
          mode: Continuous
          url: 'http://127.0.0.1:{{services.api.ports.http}}/'
          expect: { status: 200 }
          runProperties: { timeout: 2s, interval: 200ms }
`
}

before(async () => {
  fleet = await createFleet({ hosts: ['a', 'b'] })
  editorTokenFile = (await fleet.token('ci', 'editor')).file
  await fleet.startAgent('a', { args: ['--allow-host-network'] })
  agentB = await fleet.startAgent('b', { args: ['--allow-host-network'] })
})
after(async () => {
  await fleet?.close()
  ws.cleanup()
})

function placed(file: string, agents: string[]) {
  return runCli(
    [
      'run',
      file,
      '--server',
      fleet.serverUrl,
      '--token-file',
      editorTokenFile,
      ...agents.flatMap((a) => ['--agent', a]),
    ],
    { cwd: path.dirname(file), env: { ORDEAL_STATE_DIR: ws.stateDir }, timeoutMs: 150_000 }
  )
}

/** The pids of service.started events still alive (the hosts share the root pid namespace). */
function alive(started: JournalEvent[]): number[] {
  return started
    .map((e) => (e.type === 'service.started' ? e.pid : 0))
    .filter((pid) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    })
}

const index = (events: JournalEvent[], ok: (e: JournalEvent) => boolean, what: string) => {
  const i = events.findIndex(ok)
  assert.ok(i >= 0, `${what} is in the journal: ${JSON.stringify(events.map((e) => e.type))}`)
  return i
}

describe('one experiment over two hosts', () => {
  test('a partition between the hosts is applied by both sides, and the merged journal orders it', async () => {
    const dir = path.join(ws.dir, 'two-hosts')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'api.mjs'), API)
    const file = writeManifest(dir, 'two-hosts', twoHosts('two-hosts'))
    let ended = false
    const running = placed(file, ['web=a', 'data=b']).finally(() => (ended = true))
    // While the partition holds, each namespace holds its own side's DROP rules, naming the
    // other host's address: read independently of ordeal, with iptables-save in each.
    const { value: sides } = await eventually(
      'DROP rules in both hosts',
      async () => ({ a: await fleet.ordealRules('a'), b: await fleet.ordealRules('b') }),
      (r) => (r.a.length > 0 && r.b.length > 0) || ended,
      90_000
    )
    assert.ok(!ended, `the run ended before both sides held rules: ${(await running).stdout}`)
    for (const [host, peer] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const rules = sides[host].join('\n')
      assert.match(rules, new RegExp(`-A OUTPUT -d ${fleet.address(peer)}/32 .*-j DROP`), rules)
      assert.match(rules, new RegExp(`-A INPUT -s ${fleet.address(peer)}/32 .*-j DROP`), rules)
    }
    const r = await running
    // The api cannot reach its db during the partition: the hypothesis is disproved.
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    const id = recordedRunId(r.stdout)
    const run = await getRun(fleet, id)
    assert.equal(run.status, 'finished')
    assert.equal(run.verdict, 'fail')

    const events = await journalOf(fleet, id)
    assertGapless(events)
    const bySeq = [...events].sort((x, y) => x.seq - y.seq)
    const stepId = bySeq.find((e) => e.type === 'fault.injected')?.stepId
    const injectedOn = (host: string) =>
      index(
        bySeq,
        (e) => e.type === 'fault.injected' && e.host === host,
        `fault.injected on ${host}`
      )
    const revertedOn = (host: string) =>
      index(
        bySeq,
        (e) => e.type === 'fault.reverted' && e.host === host,
        `fault.reverted on ${host}`
      )
    const failed = index(
      bySeq,
      (e) => e.type === 'probe.attempt' && !e.passed && e.host === 'web',
      'a failed probe attempt from web'
    )
    const passedBefore = index(
      bySeq,
      (e) => e.type === 'probe.attempt' && e.passed && e.host === 'web',
      'a passing probe attempt from web (the SOT check, before the partition)'
    )
    assert.ok(stepId, 'the fault carries its step')
    assert.ok(passedBefore < injectedOn('web') && passedBefore < injectedOn('data'))
    assert.ok(injectedOn('web') < failed, 'injected on web before the probe failed')
    assert.ok(injectedOn('data') < failed, 'injected on data before the probe failed')
    assert.ok(failed < revertedOn('web') && failed < revertedOn('data'), 'reverted after it')
    // Corrected times never go backwards in seq order, and every agent event says where it
    // happened and how sure its time is.
    for (let i = 1; i < bySeq.length; i++) {
      assert.ok(bySeq[i]!.t >= bySeq[i - 1]!.t, `t at seq ${i} goes backwards`)
    }
    for (const e of bySeq.filter(
      (x) => x.type.startsWith('fault.') || x.type.startsWith('service.')
    )) {
      assert.ok(e.host === 'web' || e.host === 'data', `${e.type} names its host`)
      assert.equal(typeof e.hostT, 'number', `${e.type} keeps the agent's own time`)
      assert.equal(typeof e.clockErrorMs, 'number', `${e.type} says how sure its time is`)
    }
    // Services started where they were placed.
    const started = bySeq.filter((e) => e.type === 'service.started')
    assert.deepEqual(
      started.map((e) => `${e.type === 'service.started' ? e.service : ''}@${e.host}`).sort(),
      ['api@web', 'db@data']
    )
    // Each side rolled back its own: no rule and no service left in either host.
    assert.deepEqual(await fleet.ordealRules('a'), [])
    assert.deepEqual(await fleet.ordealRules('b'), [])
    await eventually(
      'every service process gone',
      () => alive(started),
      (p) => p.length === 0,
      30_000
    )
  })

  test('an agent started without --allow-host-network refuses its side, and the run ends in error with its line', async () => {
    await agentB.stop()
    agentB = await fleet.startAgent('b')
    const dir = path.join(ws.dir, 'refused')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'api.mjs'), API)
    const r = await placed(writeManifest(dir, 'refused', twoHosts('refused')), ['web=a', 'data=b'])
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    const line =
      'agent b refuses faults in its own network namespace (start it with --allow-host-network)'
    assert.ok((r.stdout + r.stderr).includes(line), r.stdout + r.stderr)
    const id = recordedRunId(r.stdout)
    assert.equal((await getRun(fleet, id)).verdict, 'error')
    const events = await journalOf(fleet, id)
    assert.ok(
      events.some((e) => e.type === 'fault.failed' && e.host === 'data' && e.error.includes(line)),
      JSON.stringify(events.filter((e) => e.type.startsWith('fault.')))
    )
    // The side that did apply its rules (web) rolled them back; data never had any.
    assert.deepEqual(await fleet.ordealRules('a'), [])
    assert.deepEqual(await fleet.ordealRules('b'), [])
    const started = events.filter((e) => e.type === 'service.started')
    await eventually(
      'every service process gone',
      () => alive(started),
      (p) => p.length === 0,
      30_000
    )
  })
})
