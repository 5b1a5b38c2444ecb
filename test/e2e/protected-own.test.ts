/**
 * ordeal's long-running processes are never a fault's target (DESIGN.md trust model): a run
 * placed on an agent must not pause the Chaos Center beside it, nor another agent, even though
 * neither is an ancestor of the run. Here an `ordeal agent` started through a symlink from
 * another directory (as `npx ordeal` or a bin link would) is attached by pid: the run refuses.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cliPath, workspace, type Workspace } from '../support/cli.js'
import { alive, state } from '../support/processes.js'

let dir = ''
let ws: Workspace
let agent: ChildProcess | undefined

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-protected-'))
  ws = workspace()
  symlinkSync(cliPath, path.join(dir, 'ordeal'))
  writeFileSync(path.join(dir, 'a.token'), 'ordl_tok_not-a-real-one\n', { mode: 0o600 })
  // Nothing listens on port 9 of loopback: the agent retries forever, which is all we need.
  agent = spawn(
    process.execPath,
    [
      './ordeal',
      'agent',
      '--server',
      'http://127.0.0.1:9',
      '--token-file',
      'a.token',
      '--state-dir',
      path.join(dir, 'state'),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let err = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent never tried:\n${err}`)), 30_000)
    agent!.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      if (/cannot reach/.test(err)) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
})

after(async () => {
  if (agent?.exitCode === null) {
    const gone = new Promise((resolve) => agent!.once('exit', resolve))
    agent.kill('SIGKILL')
    await gone
  }
  ws.cleanup()
  rmSync(dir, { recursive: true, force: true })
})

test('an ordeal agent on the host is refused as a target, and left running', async () => {
  const pid = agent!.pid!
  const r = await ws.runManifest(
    'pause-agent',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: pause-agent }
spec:
  hypothesis: the agent survives a pause
  system:
    attach: [{ name: agent, pid: ${pid} }]
  steps:
    - fault: { type: process-pause, target: { attach: agent }, duration: 2s }
`
  )
  assert.notEqual(r.exitCode, 0)
  assert.match(
    r.stdout + r.stderr,
    new RegExp(`pid ${pid} is an ordeal agent; faults never target`)
  )
  assert.ok(alive(pid), 'the agent is still running')
  assert.notEqual(state(pid), 'T', 'the agent was never stopped')
})
