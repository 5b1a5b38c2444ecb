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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, runCli, workspace } from '../../support/cli.js'
import { launchBrowser } from '../../support/browser.js'
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
/** The first test's run, which the run-page test opens. */
let firstRunId: string | undefined
const ws = workspace()

/** docs/examples/two-hosts, renamed: the test runs the example the README points to. */
const EXAMPLE = path.join(repoRoot, 'docs', 'examples', 'two-hosts')
function twoHosts(name: string): string {
  return readFileSync(path.join(EXAMPLE, 'experiment.yaml'), 'utf8').replace(
    'metadata: { name: two-hosts }',
    `metadata: { name: ${name} }`
  )
}
const API = readFileSync(path.join(EXAMPLE, 'api.mjs'), 'utf8')

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

/** No ordeal rule in either host (read with iptables-save there), every service pid gone. */
async function assertHostsClean(started: JournalEvent[]): Promise<void> {
  assert.deepEqual(await fleet.ordealRules('a'), [])
  assert.deepEqual(await fleet.ordealRules('b'), [])
  await eventually(
    'every service process gone',
    () => alive(started),
    (p) => p.length === 0,
    30_000
  )
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
    if (ended) {
      // Only now: awaiting the run in the message would wait for its end every time.
      assert.fail(`the run ended before both sides held rules: ${(await running).stdout}`)
    }
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
    firstRunId = id
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
    await assertHostsClean(started)
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
    await assertHostsClean(events.filter((e) => e.type === 'service.started'))
  })
  test('an agent killed mid-partition: its side rolls back by itself, the run ends in error naming it, the other side is stopped', async () => {
    if (!agentB.child.exitCode && agentB.child.signalCode === null) {
      await agentB.stop()
    }
    agentB = await fleet.startAgent('b', { args: ['--allow-host-network'] })
    const dir = path.join(ws.dir, 'killed')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'api.mjs'), API)
    const yaml = twoHosts('killed').replace('duration: 3s', 'duration: 60s')
    let ended = false
    const running = placed(writeManifest(dir, 'killed', yaml), ['web=a', 'data=b']).finally(
      () => (ended = true)
    )
    await eventually(
      'DROP rules in both hosts',
      async () => ({ a: await fleet.ordealRules('a'), b: await fleet.ordealRules('b') }),
      (r) => (r.a.length > 0 && r.b.length > 0) || ended,
      90_000
    )
    if (ended) {
      // Only now: awaiting the run in the message would wait for its end every time.
      assert.fail(`the run ended before both sides held rules: ${(await running).stdout}`)
    }
    await agentB.kill9()
    // Host b's rules go without its agent (its run process and watchdog roll back), and host
    // a's when the Chaos Center, having lost b past its lease, stops the run: long before 60 s.
    await eventually(
      'no rule left in b',
      () => fleet.ordealRules('b'),
      (r) => r.length === 0,
      30_000
    )
    const r = await running
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    assert.match(r.stdout, /agent b \(data\) was lost/)
    assert.deepEqual(await fleet.ordealRules('a'), [])
    const id = recordedRunId(r.stdout)
    const run = await getRun(fleet, id)
    assert.equal(run.verdict, 'error')
    const events = await journalOf(fleet, id)
    const started = events.filter((e) => e.type === 'service.started')
    assert.equal(started.length, 2, JSON.stringify(started))
    await eventually(
      'every service process gone',
      () => alive(started),
      (p) => p.length === 0,
      30_000
    )
  })
  test('the run page says which host did what: the parts with their agents, a host on every agent event', async () => {
    assert.ok(firstRunId, 'the two-host run ran (first test)')
    const browser = await launchBrowser()
    try {
      const page = await (await browser.newContext()).newPage()
      await page.goto(new URL('/login', fleet.serverUrl).href)
      await page.getByTestId('login-code').fill(fleet.center.ownerToken)
      await page.getByTestId('login-submit').click()
      await page.locator('[data-testid="whoami"][data-name="owner"]').waitFor()
      await page.goto(new URL(`/runs/${firstRunId}`, fleet.serverUrl).href)
      const parts = page.getByTestId('run-part')
      await parts
        .first()
        .waitFor()
        .catch(async (error: unknown) => {
          // What the page showed instead, for the CI log.
          throw new Error(
            `${String(error)}\npage text: ${(await page.textContent('body'))?.slice(0, 2000)}`
          )
        })
      assert.deepEqual((await parts.allTextContents()).map((t) => t.replace(/^, /, '')).sort(), [
        'data=b',
        'web=a',
      ])
      assert.match(
        (await parts.first().getAttribute('title')) ?? '',
        /^agent [ab]: ended, clock [+-]/
      )
      const hosts = page.getByTestId('journal-host')
      await hosts.first().waitFor()
      const seen = new Set(await hosts.allTextContents())
      assert.deepEqual([...seen].sort(), ['data', 'web'])
      assert.match(
        (await hosts.first().getAttribute('title')) ?? '',
        /^on host (web|data); its own clock: .*; time corrected within ±[\d.]+ ms$/
      )
    } finally {
      await browser.close()
    }
  })
})
