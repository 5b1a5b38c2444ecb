/**
 * Runs on the Chaos Center, end to end against the built CLI: started through the API and
 * watched live over SSE, aborted, recorded from `ordeal run --server`, and surviving a kill -9
 * of the server (the run becomes interrupted, the watchdog rolls back, the rest is intact).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import {
  allRunEvents,
  apiFetch,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { workspace, type Workspace } from '../support/cli.js'
import { openStream } from '../support/sse.js'
import { journalOf, passingRun } from '../support/journal-fixtures.js'
import type {
  Experiment,
  ExperimentVersionPage,
  JournalEvent,
  LoginResponse,
  Run,
  RunSummary,
  StreamMessage,
} from '../../src/shared/api.js'
import { startServer } from '../../src/server/server.js'
import { killWebExperiment } from '../support/web-experiment.js'
import type { Store } from '../../src/server/store/contract.js'

/** A one-service system killed once; the EOT probe holds once the supervisor restarts it. */
function manifest(name: string, faultDuration: string): string {
  return killWebExperiment({
    name,
    faultDuration,
    probes: `        - name: web-serving
          type: http
          mode: EOT
          url: 'http://127.0.0.1:{{services.web.ports.http}}/'
          runProperties: { attempts: 40, interval: 250ms }
`,
  })
}

let center: ChaosCenter
let ws: Workspace

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
})

after(async () => {
  await center.dispose()
  ws.cleanup()
})

const api = <T>(p: string, options: { method?: string; body?: unknown; token?: string } = {}) =>
  apiFetch<T>(center.url, p, { token: center.ownerToken, ...options })

async function createExperiment(name: string, duration: string): Promise<Experiment> {
  const r = await api<Experiment>('/api/experiments', {
    method: 'POST',
    body: { yaml: manifest(name, duration) },
  })
  assert.equal(r.status, 201, r.text)
  return r.json
}

async function startRun(experiment: Experiment): Promise<RunSummary> {
  const r = await api<RunSummary>('/api/runs', {
    method: 'POST',
    body: { experimentId: experiment.id },
  })
  assert.equal(r.status, 201, r.text)
  return r.json
}

const allEvents = (runId: string) => allRunEvents(center, runId, 7)

const streamUrl = (runId: string) => `${center.url}/api/runs/${runId}/stream`
const isEnd = (m: StreamMessage) => m.event === 'status' && m.data.status !== 'running'
const journal = (messages: StreamMessage[]) =>
  messages.flatMap((m) => (m.event === 'journal' ? m.data : []))

/** Pids of the run's services, from its journal. */
const servicePids = (events: JournalEvent[]) =>
  events.flatMap((e) => (e.type === 'service.started' ? [e.pid] : []))

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return false
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('a run started through the API streams live, passes with 100 and its events page back', async () => {
  const experiment = await createExperiment('api-run', '2s')
  const started = await startRun(experiment)
  assert.equal(started.status, 'running')
  assert.equal(started.source, 'server')

  const stream = await openStream(streamUrl(started.id), center.ownerToken)
  assert.match(stream.contentType, /^text\/event-stream/)
  const first = await stream.waitFor(() => true, 'the first message')
  assert.equal(first.event, 'status')
  // Live: the injection arrives while the run is still running.
  await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected'
  )
  assert.equal(stream.messages.filter((m) => m.event === 'status').length, 1, 'not ended yet')
  const end = await stream.waitFor(isEnd, 'the final status')
  await stream.closed
  assert.equal(end.event === 'status' && end.data.verdict, 'pass')

  const run = await api<Run>(`/api/runs/${started.id}`)
  assert.equal(run.json.status, 'finished')
  assert.equal(run.json.verdict, 'pass', run.json.reason)
  assert.equal(run.json.score, 100)
  assert.equal(run.json.result?.verdict, 'pass')
  const events = await allEvents(started.id)
  assert.equal(events.length, run.json.eventCount)
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i)
  )
  // The stream carried every (non-op) event exactly once, in order.
  assert.deepEqual(
    journal(stream.messages).map((e) => e.seq),
    events.filter((e) => e.type !== 'op').map((e) => e.seq)
  )

  // A late viewer gets the backlog after a seq, then the end status, then the stream closes.
  const late = await openStream(`${streamUrl(started.id)}?after=3`, center.ownerToken)
  await late.closed
  assert.equal(journal(late.messages)[0]?.seq, 4)
  assert.equal(late.messages.at(-1)?.event, 'status')

  const runs = await api<RunSummary[]>(`/api/runs?experimentId=${experiment.id}`)
  assert.deepEqual(
    runs.json.map((r) => r.id),
    [started.id]
  )
})

test('one run at a time per experiment; an aborted run is interrupted and its services are gone', async () => {
  const experiment = await createExperiment('abort-run', '60s')
  const started = await startRun(experiment)
  const second = await api('/api/runs', { method: 'POST', body: { experimentId: experiment.id } })
  assert.equal(second.status, 409)

  const stream = await openStream(streamUrl(started.id), center.ownerToken)
  await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected'
  )
  const aborted = await api<RunSummary>(`/api/runs/${started.id}/abort`, { method: 'POST' })
  assert.equal(aborted.status, 200, aborted.text)
  const end = await stream.waitFor(isEnd, 'the final status')
  assert.equal(end.event === 'status' && end.data.verdict, 'interrupted')

  const pids = servicePids(await allEvents(started.id))
  assert.ok(pids.length > 0)
  assert.deepEqual(
    pids.filter((pid) => alive(pid)),
    []
  )
  const again = await api(`/api/runs/${started.id}/abort`, { method: 'POST' })
  assert.equal(again.status, 409)
})

test('ordeal run --server records the run: same verdict and score, every event stored', async () => {
  const r = await ws.runManifest('cli-run', manifest('cli-run', '2s'), [
    '--server',
    center.url,
    '--token',
    center.ownerToken,
  ])
  assert.equal(r.exitCode, 0, r.stderr)
  const recorded = /^recorded: (\S+)\/runs\/(\S+)$/m.exec(r.stdout)
  assert.ok(recorded, r.stdout)
  assert.equal(recorded[1], center.url)
  const run = await api<Run>(`/api/runs/${recorded[2]}`)
  assert.equal(run.status, 200, run.text)
  assert.equal(run.json.source, 'cli')
  assert.equal(run.json.verdict, r.result?.verdict)
  assert.equal(run.json.score, r.result?.resilienceScore)
  assert.equal(run.json.eventCount, r.events.length)
  assert.deepEqual(await allEvents(run.json.id), r.events)
  const experiment = await api<Experiment>(`/api/experiments/${run.json.experimentId}`)
  assert.equal(experiment.json.name, 'cli-run')
})

test('ordeal run --server with a bad token exits 2 with one line and starts nothing', async () => {
  const r = await ws.runManifest('bad-token', manifest('bad-token', '2s'), [
    '--server',
    center.url,
    '--token',
    'not-a-token',
  ])
  assert.equal(r.exitCode, 2)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /401/)
  assert.equal(r.events.length, 0)
  assert.equal(r.result, undefined)
  const unreachable = await ws.run(['run', r.file, '--server', 'http://127.0.0.1:1'], {
    env: { ORDEAL_TOKEN: 'x' },
  })
  assert.equal(unreachable.exitCode, 2)
  assert.match(unreachable.stderr, /cannot reach/)
})

test('kill -9 mid-run: after a restart the run is interrupted, the watchdog rolled back, the rest is intact', async () => {
  const finishedBefore = (await api<RunSummary[]>('/api/runs?status=finished')).json[0]
  assert.ok(finishedBefore)
  const before = await api<Run>(`/api/runs/${finishedBefore.id}`)
  const beforeEvents = await allEvents(finishedBefore.id)

  const experiment = await createExperiment('crash-run', '60s')
  const started = await startRun(experiment)
  const stream = await openStream(streamUrl(started.id), center.ownerToken)
  const injected = await stream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected'
  )
  assert.ok(injected)
  const pids = servicePids(journal(stream.messages))
  assert.ok(pids.length > 0)
  // The run's private tree, as noted next to its ledger: the killed run process leaves it.
  const tree = readFileSync(path.join(ws.stateDir, 'ledgers', `${started.id}.workdir`), 'utf8')
  assert.match(tree, /\/ordeal-crash-run-[^/]+$/)
  await center.kill9()
  await stream.closed

  // The detached watchdog undoes the run: its services stop without the server.
  await until('the run services are gone', () => pids.every((pid) => !alive(pid)))
  const runDir = path.join(ws.stateDir, 'runs', started.id)
  assert.ok(existsSync(runDir))

  await center.restart()
  assert.equal(existsSync(tree), false, `the restarted server removed the dead run's tree ${tree}`)
  const run = await api<Run>(`/api/runs/${started.id}`)
  assert.equal(run.json.status, 'interrupted')
  const intact = await api<Run>(`/api/runs/${finishedBefore.id}`)
  assert.deepEqual(intact.json, before.json)
  assert.deepEqual(await allEvents(finishedBefore.id), beforeEvents)

  // New runs still work on the restarted server.
  const next = await startRun(experiment)
  const nextStream = await openStream(streamUrl(next.id), center.ownerToken)
  await nextStream.waitFor(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'fault.injected'),
    'fault.injected on the new run'
  )
  const abort = await api(`/api/runs/${next.id}/abort`, { method: 'POST' })
  assert.equal(abort.status, 200)
  const end = await nextStream.waitFor(isEnd, 'the new run ending')
  assert.equal(end.event === 'status' && end.data.verdict, 'interrupted')
})

test('ordeal run --server: a server that dies mid-run costs one warning, not the run', async () => {
  await center.restart()
  const running = ws.runManifest('server-dies', manifest('server-dies', '4s'), [
    '--server',
    center.url,
    '--token',
    center.ownerToken,
  ])
  // Wait until the server has the run and some of its events, then take the server away.
  await until('the recorded run has events', async () => {
    const runs = await api<RunSummary[]>('/api/runs?status=running')
    const run = runs.json.find((r) => r.source === 'cli')
    return run !== undefined && (await api<Run>(`/api/runs/${run.id}`)).json.eventCount > 0
  })
  await center.kill9()
  const r = await running
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.result?.verdict, 'pass')
  const warnings = r.stderr.split('\n').filter((l) => /recording to .* stopped/.test(l))
  assert.equal(warnings.length, 1, r.stderr)
  // The restarted server marks the orphaned recording interrupted.
  await center.restart()
  const runs = await api<RunSummary[]>('/api/runs?status=interrupted')
  assert.ok(runs.json.some((run) => run.source === 'cli' && run.experimentName === 'server-dies'))
})

let recordings = 0

/** Registers a run as `ordeal run --server` does, without running anything. */
async function record(name: string, yaml = manifest(name, '2s')) {
  const runId = `rec-${name}-${++recordings}`
  const r = await api<RunSummary>('/api/runs/record', { method: 'POST', body: { yaml, runId } })
  return { runId, r }
}

test('aborting a recorded run interrupts it; its later events and finish are refused (409)', async () => {
  const { runId, r } = await record('cli-abort')
  assert.equal(r.status, 201, r.text)
  const events = journalOf(passingRun(runId, 'cli-abort'))
  const sent = await api(`/api/runs/${runId}/events`, {
    method: 'POST',
    body: { events: events.slice(0, 3) },
  })
  assert.equal(sent.status, 200, sent.text)
  const stream = await openStream(streamUrl(runId), center.ownerToken)
  await stream.waitFor((m) => m.event === 'status', 'the first status')

  const aborted = await api<RunSummary>(`/api/runs/${runId}/abort`, { method: 'POST' })
  assert.equal(aborted.status, 200, aborted.text)
  assert.equal(aborted.json.status, 'interrupted')
  assert.equal(aborted.json.verdict, 'interrupted')
  assert.equal(aborted.json.reason, 'aborted by owner')
  const end = await stream.waitFor(isEnd, 'the final status')
  assert.equal(end.event === 'status' && end.data.status, 'interrupted')

  const late = await api(`/api/runs/${runId}/events`, {
    method: 'POST',
    body: { events: events.slice(3) },
  })
  assert.equal(late.status, 409, late.text)
  const finish = await api(`/api/runs/${runId}/finish`, { method: 'POST', body: {} })
  assert.equal(finish.status, 409, finish.text)
  const again = await api(`/api/runs/${runId}/abort`, { method: 'POST' })
  assert.equal(again.status, 409, again.text)
  const run = await api<Run>(`/api/runs/${runId}`)
  assert.equal(run.json.status, 'interrupted')
  assert.equal(run.json.eventCount, 3)
})

test('recording checks the manifest (unset variables aside), caps seq and names its author', async () => {
  const bad = await record('cli-bad', manifest('cli-bad', 'soon'))
  assert.equal(bad.r.status, 400, bad.r.text)
  // Variables set on the recording machine only: the server cannot resolve them, and need not.
  const remote = manifest('cli-vars', '2s').replace("'-e'", "'${REMOTE_ONLY_FLAG}'")
  const vars = await record('cli-vars', remote)
  assert.equal(vars.r.status, 201, vars.r.text)
  const versions = await api<ExperimentVersionPage>(
    `/api/experiments/${vars.r.json.experimentId}/versions`
  )
  assert.equal(versions.json.versions[0]?.createdByName, 'owner')

  const { runId, r } = await record('cli-seq')
  assert.equal(r.status, 201, r.text)
  const [first] = journalOf(passingRun(runId, 'cli-seq'))
  const big = await api(`/api/runs/${runId}/events`, {
    method: 'POST',
    body: { events: [{ ...first, seq: 2 ** 31 }] },
  })
  assert.equal(big.status, 400, big.text)
})

test('a live viewer that stops reading is cut off instead of buffered without bound', async () => {
  const { runId, r } = await record('cli-slow-viewer')
  assert.equal(r.status, 201, r.text)
  const url = new URL(streamUrl(runId))
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${center.ownerToken}` } }, resolve)
      .on('error', reject)
  })
  assert.equal(response.statusCode, 200)
  // A stalled tab: nothing is read while the run produces ~30 MiB of live events.
  response.pause()
  const padding = 'x'.repeat(100_000)
  const events = journalOf(passingRun(runId, 'cli-slow-viewer'))
  let seq = events.length
  const sent = await api(`/api/runs/${runId}/events`, { method: 'POST', body: { events } })
  assert.equal(sent.status, 200, sent.text)
  for (let i = 0; i < 17; i++) {
    const batch = Array.from({ length: 18 }, () => ({
      seq: seq++,
      t: Date.now(),
      type: 'note',
      padding,
    }))
    const more = await api(`/api/runs/${runId}/events`, { method: 'POST', body: { events: batch } })
    assert.equal(more.status, 200, more.text)
  }
  // Reading again, the viewer finds the stream ended while the run is still running.
  let text = ''
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    text += chunk
  })
  response.resume()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream was not cut off')), 15_000)
    response.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  assert.ok(!/"status":"finished"|"status":"interrupted"/.test(text))
  const run = await api<RunSummary>(`/api/runs/${runId}`)
  assert.equal(run.json.status, 'running')
  const aborted = await api(`/api/runs/${runId}/abort`, { method: 'POST' })
  assert.equal(aborted.status, 200, aborted.text)
})

test('two first recordings of a new experiment at once share it instead of one failing', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-record-race-'))
  const server = await startServer({ dataDir, port: 0, onLog: () => undefined })
  try {
    const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    // Both requests look the name up before either creates it, as under real concurrency.
    const real = server.ctx.store
    server.ctx.store = new Proxy(real, {
      get(target, prop) {
        if (prop === 'getExperimentByName') {
          return async (name: string) => {
            await new Promise((resolve) => setTimeout(resolve, 100))
            return target.getExperimentByName(name)
          }
        }
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value
      },
    }) satisfies Store
    const yaml = manifest('raced', '2s')
    const answers = await Promise.all(
      ['race-1', 'race-2'].map((runId) =>
        apiFetch<RunSummary>(server.url, '/api/runs/record', {
          method: 'POST',
          token: login.json.token,
          body: { yaml, runId },
        })
      )
    )
    for (const answer of answers) {
      assert.equal(answer.status, 201, answer.text)
    }
    assert.equal(answers[0]?.json.experimentId, answers[1]?.json.experimentId)
  } finally {
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
