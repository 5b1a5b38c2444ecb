/**
 * `ordeal agent` against the real Chaos Center (issue 14): both built processes, the agent's
 * token made offline with `ordeal token create`. It needs the server's fleet (WP3), the agent
 * token role (WP1) and placement in `POST /api/runs` (WP2): until those are merged it fails at
 * the first connection (the server answers 404 on /api/agents/connect).
 *
 * Covered: connect and the ready line; `/api/agents` shows it; a run placed by name ends with a
 * complete journal (every seq once); a server killed and restarted mid-run loses nothing; the
 * bad-input rows that need a Chaos Center (wrong role, wrong --name, revoked token).
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AgentInfo, Experiment, RunSummary } from '../../src/shared/api.js'
import { cliPath, collect, runCli, type CliResult } from '../support/cli.js'
import {
  allRunEvents,
  apiFetch,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { freePort } from '../support/free-port.js'

let center: ChaosCenter
let dir: string
let port: number
const me = os.userInfo().username

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-agent-process-'))
  port = await freePort()
  // A fixed port (the last --port wins), so a restarted server is where the agent dials. The
  // lease outlasts a server restart on a loaded machine (once over 4 s: the agent's dead-man
  // switch then rightly aborted the run the restart test expects to survive).
  center = await startChaosCenter({
    args: ['--port', String(port), '--agent-heartbeat', '500ms', '--agent-lease', '20s'],
  })
})
after(async () => {
  await center?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

/** `ordeal token create` offline; returns the token file and the token's id. */
async function agentToken(name: string): Promise<{ file: string; id: string }> {
  const r = await runCli([
    'token',
    'create',
    '--data',
    center.dataDir,
    '--role',
    'agent',
    '--name',
    name,
  ])
  assert.equal(r.exitCode, 0, r.stderr)
  const secret = r.stdout.trim().split('\n').at(-1)!
  const file = path.join(dir, `${name}.token`)
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return { file, id: /token (tok_\S+)/.exec(r.stderr)?.[1] ?? '' }
}

interface Agent {
  child: ChildProcess
  done: Promise<CliResult>
  /** Resolves with stdout once it holds `text`. */
  said(text: string): Promise<string>
}

function startAgent(name: string, tokenFile: string, extra: string[] = []): Agent {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'agent',
      '--server',
      center.url,
      '--token-file',
      tokenFile,
      '--run-as',
      me,
      '--state-dir',
      path.join(dir, `state-${name}`),
      ...extra,
    ],
    {
      env: { ...process.env, NO_COLOR: '1', HTTP_PROXY: '', HTTPS_PROXY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  let stdout = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  return {
    child,
    done: collect(child, 180_000),
    said: async (text) => {
      const deadline = Date.now() + 30_000
      while (!stdout.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`agent did not say ${JSON.stringify(text)}; stdout: ${stdout}`)
        }
        await sleep(50)
      }
      return stdout
    },
  }
}

const manifest = (name: string, wait: string) =>
  `apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata:\n  name: ${name}\nspec:\n  hypothesis: h\n  steps:\n    - name: pause\n      wait: ${wait}\n`

async function placeRun(name: string, wait: string, agent: string): Promise<RunSummary> {
  const call = <T>(p: string, body: unknown) =>
    apiFetch<T>(center.url, p, { token: center.ownerToken, method: 'POST', body })
  const created = await call<Experiment>('/api/experiments', { yaml: manifest(name, wait) })
  assert.equal(created.status, 201, created.text)
  const run = await call<RunSummary>('/api/runs', { experimentId: created.json.id, agent })
  assert.equal(run.status, 201, run.text)
  return run.json
}

async function runEnded(runId: string): Promise<RunSummary> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const r = await apiFetch<RunSummary>(center.url, `/api/runs/${runId}`, {
      token: center.ownerToken,
    })
    if (r.status === 200 && ['finished', 'interrupted', 'cancelled'].includes(r.json.status)) {
      return r.json
    }
    assert.ok(Date.now() < deadline, `run ${runId} still ${r.json.status}`)
    await sleep(200)
  }
}

async function assertCompleteJournal(runId: string): Promise<void> {
  const events = await allRunEvents(center, runId, 500)
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i)
  )
  assert.equal(events.at(-1)?.type, 'run.ended')
}

test('an agent connects, is listed, runs a placed run, and survives a server restart mid-run', async () => {
  const token = await agentToken('a')
  const agent = startAgent('a', token.file, ['--label', 'zone=eu-1'])
  await agent.said(`agent a connected to ${center.url} (heartbeat 500ms)`)
  const agents = await apiFetch<AgentInfo[]>(center.url, '/api/agents', {
    token: center.ownerToken,
  })
  const a = agents.json.find((x) => x.name === 'a')
  assert.equal(a?.connected, true)
  assert.deepEqual(a?.labels, { zone: 'eu-1' })

  const quick = await placeRun('quick', '100ms', 'a')
  const ended = await runEnded(quick.id)
  assert.equal(ended.verdict, 'pass')
  assert.equal(ended.agent, 'a')
  await assertCompleteJournal(quick.id)

  // Killed and restarted while the run waits (shorter than its 20 s lease): nothing is lost.
  const slow = await placeRun('slow', '3s', 'a')
  const deadline = Date.now() + 30_000
  while (
    (await apiFetch<RunSummary>(center.url, `/api/runs/${slow.id}`, { token: center.ownerToken }))
      .json.status !== 'running'
  ) {
    assert.ok(Date.now() < deadline)
    await sleep(100)
  }
  await center.kill9()
  await center.restart(['--port', String(port)])
  await agent.said(`agent a connected to ${center.url} (heartbeat 500ms)\n`.repeat(1))
  const slowEnded = await runEnded(slow.id)
  assert.equal(slowEnded.verdict, 'pass')
  await assertCompleteJournal(slow.id)

  agent.child.kill('SIGTERM')
  const r = await agent.done
  assert.equal(r.exitCode, 0, r.stderr)
})

test('wrong role, wrong --name, revoked token: one line, exit 2', async () => {
  const ownerFile = path.join(dir, 'owner.token')
  writeFileSync(ownerFile, `${center.ownerToken}\n`, { mode: 0o600 })
  const wrongRole = await startAgent('o', ownerFile).done
  assert.equal(
    wrongRole.stderr,
    "ordeal agent: the token's role is owner; an agent needs a token of role agent (ordeal token create --role agent --name NAME)\n"
  )
  assert.equal(wrongRole.exitCode, 2)

  const token = await agentToken('b')
  const wrongName = await startAgent('c', token.file, ['--name', 'c']).done
  assert.match(wrongName.stderr, /ordeal agent: the token is for agent b, not c \(--name\)\n$/)
  assert.equal(wrongName.exitCode, 2)

  const agent = startAgent('b', token.file)
  await agent.said('agent b connected')
  const revoked = await apiFetch(center.url, `/api/tokens/${token.id}`, {
    token: center.ownerToken,
    method: 'DELETE',
  })
  assert.ok(revoked.status < 300, revoked.text)
  const r = await agent.done
  assert.match(
    r.stderr,
    /ordeal agent: the Chaos Center revoked this agent's token; its runs were rolled back\n$/
  )
  assert.equal(r.exitCode, 2)
})
