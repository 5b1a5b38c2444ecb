/**
 * Bad input to `ordeal run --agent` and `ordeal agent` (design §9): one line that says what to
 * fix, exit 2 (3 for a locked state dir), never a stack trace, and nothing started: the run
 * count is unchanged, no new run process exists, and a refused agent leaves no process in its
 * host (`ip netns pids`).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { runCli, workspace, type CliResult } from '../../support/cli.js'
import { createFleet, type AgentProcess, type Fleet } from '../../support/fleet.js'
import { freePort } from '../../support/free-port.js'
import {
  eventually,
  listRuns,
  pauseManifest,
  fleetRunProcessPids,
  toldLines,
  writeManifest,
} from './checks.js'

let fleet: Fleet
let notACenter: http.Server
let notACenterUrl: string
let editorTokenFile: string
let manifest: string
const ws = workspace()

before(async () => {
  fleet = await createFleet({ hosts: ['a', 'b'] })
  editorTokenFile = (await fleet.token('ci', 'editor')).file
  await fleet.startAgent('a')
  manifest = writeManifest(ws.dir, 'bad-input', pauseManifest('bad-input', 1))
  // Something else on the bridge: an HTTP server that answers 404 to everything.
  notACenter = http.createServer((_req, res) => res.writeHead(404).end('not here'))
  await new Promise<void>((resolve) => notACenter.listen(0, fleet.gateway, resolve))
  notACenterUrl = `http://${fleet.gateway}:${(notACenter.address() as AddressInfo).port}`
})
after(async () => {
  notACenter?.close()
  await fleet?.close()
  ws.cleanup()
})

/** A token file whose token expired: made with a 1 s lifetime, used after it lapsed. */
async function expiredToken(role: 'agent' | 'editor', name: string): Promise<string> {
  const { file } = await fleet.token(name, role, ['--expires-in', '1s'])
  await new Promise((r) => setTimeout(r, 1500))
  return file
}

function assertOneLine(r: CliResult, code: number, line: string | RegExp): void {
  assert.equal(r.exitCode, code, r.stdout + r.stderr)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  const told = toldLines(r.stderr)
  assert.equal(told.length, 1, `one line:\n${r.stderr}`)
  if (typeof line === 'string') {
    assert.equal(told[0], line)
  } else {
    assert.match(told[0]!, line)
  }
}

describe('ordeal run --agent: bad input', () => {
  const cases: { name: string; args: () => Promise<string[]>; line: () => string | RegExp }[] = [
    {
      name: 'an unknown agent',
      args: async () => [
        '--server',
        fleet.serverUrl,
        '--token-file',
        editorTokenFile,
        '--agent',
        'edge-9',
      ],
      line: () =>
        `ordeal run: agent edge-9 is not registered on ${fleet.serverUrl} (registered: a)`,
    },
    {
      name: 'labels no agent has',
      args: async () => [
        '--server',
        fleet.serverUrl,
        '--token-file',
        editorTokenFile,
        '--agent-label',
        'zone=mars',
      ],
      line: () => 'ordeal run: no registered agent has labels zone=mars',
    },
    {
      name: 'a wrong server URL',
      args: async () => [
        '--server',
        `http://${fleet.gateway}:${await freePort()}`,
        '--token-file',
        editorTokenFile,
        '--agent',
        'a',
      ],
      line: () => /^ordeal run: cannot reach http:\/\/198\.1[89]\.\d+\.254:\d+: .*ECONNREFUSED/,
    },
    {
      name: 'a server that is not a Chaos Center',
      args: async () => [
        '--server',
        notACenterUrl,
        '--token-file',
        editorTokenFile,
        '--agent',
        'a',
      ],
      line: () =>
        `ordeal run: ${notACenterUrl} is not a Chaos Center (GET /api/health answered 404)`,
    },
    {
      name: 'an expired token',
      args: async () => [
        '--server',
        fleet.serverUrl,
        '--token-file',
        await expiredToken('editor', 'ci-expired'),
        '--agent',
        'a',
      ],
      line: () =>
        `ordeal run: ${fleet.serverUrl} rejected the token (401 unauthorized: invalid or expired token)`,
    },
    {
      name: 'a token of the wrong role (agent)',
      args: async () => [
        '--server',
        fleet.serverUrl,
        '--token-file',
        (await fleet.token('a')).file,
        '--agent',
        'a',
      ],
      line: () =>
        "ordeal run: the token's role is agent; placing runs needs editor (403 forbidden)",
    },
    {
      name: 'no --server',
      args: async () => ['--agent', 'a'],
      line: () =>
        'ordeal run: --agent and --agent-label place the run through a Chaos Center: add --server URL',
    },
  ]
  for (const c of cases) {
    test(`${c.name}: one line, exit 2, no run, no run process`, async () => {
      const args = await c.args()
      const runsBefore = (await listRuns(fleet)).length
      const processesBefore = new Set(await fleetRunProcessPids(fleet))
      const r = await runCli(['run', manifest, ...args], {
        cwd: ws.dir,
        env: { ORDEAL_STATE_DIR: ws.stateDir },
        timeoutMs: 60_000,
      })
      assertOneLine(r, 2, c.line())
      assert.equal((await listRuns(fleet)).length, runsBefore, 'no run was created')
      const fresh = (await fleetRunProcessPids(fleet)).filter((pid) => !processesBefore.has(pid))
      assert.deepEqual(fresh, [], 'no new run process')
    })
  }
})

describe('ordeal agent: bad input', () => {
  /** Runs `ordeal agent` in host b to its exit; afterwards nothing of it is left in b. */
  async function agentIn(args: () => Promise<string[]> | string[]): Promise<CliResult> {
    const rawArgs = await args()
    const agent: AgentProcess = await fleet.spawnAgent('b', { name: 'b', rawArgs })
    const { code, signal } = await Promise.race([
      agent.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`agent still running:\n${agent.output()}`)), 30_000)
      ),
    ])
    // Its spare run process, if it forked one, ends when its parent's IPC channel closes.
    await eventually(
      'nothing of the agent left in host b',
      () => fleet.pidsIn('b'),
      (p) => p.length === 0,
      5000
    )
    return { exitCode: code, signal, stdout: agent.stdout(), stderr: agent.stderr() }
  }
  const stateDir = () => path.join(fleet.dir, 'agents', 'b-bad')
  const common = async (tokenFile: string) => [
    '--server',
    fleet.serverUrl,
    '--token-file',
    tokenFile,
    '--state-dir',
    stateDir(),
  ]

  test('a --server that is no URL', async () => {
    const r = await agentIn(async () => [
      '--server',
      'cc:7700',
      '--token-file',
      (await fleet.token('b')).file,
      '--state-dir',
      stateDir(),
    ])
    assertOneLine(r, 2, "ordeal agent: --server 'cc:7700' must be an http:// or https:// URL")
  })

  test('a server that is not a Chaos Center', async () => {
    const r = await agentIn(async () => [
      '--server',
      notACenterUrl,
      '--token-file',
      (await fleet.token('b')).file,
      '--state-dir',
      stateDir(),
    ])
    assertOneLine(
      r,
      2,
      new RegExp(
        `^ordeal agent: ${notACenterUrl}/? is not a Chaos Center \\(GET /api/agents/connect answered 404\\)$`
      )
    )
  })

  test('an expired token', async () => {
    const file = await expiredToken('agent', 'b')
    const r = await agentIn(() => common(file))
    assertOneLine(
      r,
      2,
      new RegExp(
        `^ordeal agent: ${fleet.serverUrl}/? rejected the token \\(401 unauthorized: invalid or expired token\\)$`
      )
    )
  })

  test('a token of the wrong role (editor)', async () => {
    const r = await agentIn(() => common(editorTokenFile))
    assertOneLine(
      r,
      2,
      "ordeal agent: the token's role is editor; an agent needs a token of role agent (ordeal token create --role agent --name NAME)"
    )
  })

  test("a --name that is not the token's (4004)", async () => {
    const tokenFile = (await fleet.token('b')).file
    const r = await agentIn(async () => [...(await common(tokenFile)), '--name', 'c'])
    assertOneLine(r, 2, 'ordeal agent: the token is for agent b, not c (--name)')
  })

  test('a token file that does not exist, or is empty', async () => {
    const missing = path.join(fleet.dir, 'no-such.token')
    const r = await agentIn(() => common(missing))
    assertOneLine(r, 2, new RegExp(`^ordeal agent: --token-file ${missing}: ENOENT`))
    const empty = path.join(fleet.dir, 'empty.token')
    writeFileSync(empty, '', { mode: 0o600 })
    const e = await agentIn(() => common(empty))
    assertOneLine(e, 2, new RegExp(`^ordeal agent: --token-file ${empty}.* is empty`))
  })

  test('a state dir another agent holds: exit 3, naming its pid', async () => {
    const holder = await fleet.startAgent('b', { stateDir: stateDir() })
    try {
      const tokenFile = (await fleet.token('b')).file
      const rawArgs = await common(tokenFile)
      const second = await fleet.spawnAgent('b', { name: 'b', rawArgs })
      const { code } = await second.exited
      const r = { exitCode: code, signal: null, stdout: second.stdout(), stderr: second.stderr() }
      assertOneLine(
        r,
        3,
        `ordeal agent: another agent uses --state-dir ${stateDir()} (pid ${holder.pid})`
      )
      assert.equal(holder.child.exitCode, null, 'the holder keeps running')
    } finally {
      await holder.stop()
    }
  })
})
