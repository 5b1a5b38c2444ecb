/**
 * The README's two agent commands, as written: `scripts/agent-quickstart.sh` starts a Chaos
 * Center and an agent on this machine, `ordeal run --agent edge-1` places the quickstart on it
 * (exit 0, recorded as executed by the agent), and `stop` leaves no process behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { collect, repoRoot, runCli } from '../support/cli.js'
import { freePort } from '../support/free-port.js'
import { alive } from '../support/processes.js'

function script(args: string[], env: Record<string, string>) {
  const child = spawn('bash', ['scripts/agent-quickstart.sh', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return collect(child, 120_000)
}

test('scripts/agent-quickstart.sh: a server and an agent, a run placed on the agent, stop leaves nothing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-agent-quickstart-'))
  const port = await freePort()
  const env = { AGENT_QUICKSTART_DIR: dir, PORT: String(port) }
  const pids: number[] = []
  try {
    const started = await script([], env)
    assert.equal(started.exitCode, 0, started.stderr)
    assert.match(started.stdout, /agent edge-1 connected/)
    for (const name of ['server', 'agent']) {
      pids.push(Number(readFileSync(path.join(dir, `${name}.pid`), 'utf8')))
    }
    // The README's second command, with this test's port and directory.
    const url = `http://127.0.0.1:${port}`
    const run = await runCli([
      'run',
      'examples/quickstart/experiment.yaml',
      '--server',
      url,
      '--token-file',
      path.join(dir, 'editor.token'),
      '--agent',
      'edge-1',
    ])
    assert.equal(run.exitCode, 0, run.stderr)
    assert.match(run.stderr + run.stdout, /running on agent edge-1/)
    const recorded = /recorded: (\S+)\/runs\/(\S+)/.exec(run.stdout + run.stderr)
    assert.ok(recorded, 'the run names its page')
    const token = readFileSync(path.join(dir, 'editor.token'), 'utf8').trim()
    const answer = await fetch(`${url}/api/runs/${recorded[2]}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const summary = (await answer.json()) as { source: string; agent?: string; verdict?: string }
    assert.deepEqual([summary.source, summary.agent, summary.verdict], ['agent', 'edge-1', 'pass'])
  } finally {
    const stopped = await script(['stop'], env)
    rmSync(dir, { recursive: true, force: true })
    assert.equal(stopped.exitCode, 0, stopped.stderr)
    for (const pid of pids) {
      assert.equal(alive(pid), false, `pid ${pid} stopped`)
    }
  }
})
