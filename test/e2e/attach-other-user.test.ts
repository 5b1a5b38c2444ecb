/**
 * Attaching by `port` to another user's process without root: the socket is listed in
 * /proc/net/tcp for everyone, but only its owner can read the /proc/PID/fd naming it. The
 * message must say so, not that nothing listens on the port. Runs ordeal as uid 65534 (nobody)
 * against a service root started; skipped when the tests do not run as root.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { cliPath, collect } from '../support/cli.js'

const kNobody = 65534
const isRoot = process.getuid?.() === 0
let server: net.Server | undefined
let port = 0
let dir = ''

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-other-user-'))
  // This test process (root) is the other user's service.
  server = net.createServer((socket) => socket.end())
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  port = (server.address() as net.AddressInfo).port
})
after(() => {
  server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** As root: can uid 65534 run node and read the built CLI (a 0700 parent would deny it)? */
function nobodyCanRunOrdeal(): boolean {
  const probe = `require('fs').accessSync(${JSON.stringify(cliPath)}, require('fs').constants.R_OK)`
  const args = [`--reuid=${kNobody}`, `--regid=${kNobody}`, '--clear-groups', '--']
  return spawnSync('setpriv', [...args, process.execPath, '-e', probe]).status === 0
}

function runAsNobody(args: string[]): Promise<{ exitCode: number | null; stdout: string }> {
  const argv = [process.execPath, cliPath, ...args]
  const child: ChildProcess = spawn(
    'setpriv',
    [`--reuid=${kNobody}`, `--regid=${kNobody}`, '--clear-groups', '--', ...argv],
    {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', HOME: dir, ORDEAL_STATE_DIR: path.join(dir, '.state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  )
  return collect(child, 120_000).then((r) => ({
    exitCode: r.exitCode,
    stdout: r.stdout + r.stderr,
  }))
}

test("attach by port to another user's process says it cannot be inspected", async (t) => {
  if (!isRoot || !nobodyCanRunOrdeal()) {
    t.skip('needs root, and uid 65534 able to run the built CLI')
    return
  }
  const file = path.join(dir, 'attach.yaml')
  writeFileSync(
    file,
    [
      'apiVersion: ordeal.dev/v1',
      'kind: Experiment',
      'metadata: { name: other-user }',
      'spec:',
      '  hypothesis: The service holds a short freeze.',
      '  system:',
      `    attach: [{ name: web, port: ${port} }]`,
      '  steps:',
      '    - name: freeze',
      '      fault: { type: process-pause, target: { attach: web }, duration: 1s }',
      '',
    ].join('\n')
  )
  mkdirSync(path.join(dir, '.state'))
  for (const p of [dir, file, path.join(dir, '.state')]) {
    chownSync(p, kNobody, kNobody)
  }
  const expected = new RegExp(
    `TCP port ${port} is held by a process this user cannot inspect \\(run as root or as its owner\\)`
  )
  const dry = await runAsNobody(['run', '--dry-run', file])
  assert.match(dry.stdout, expected)
  assert.doesNotMatch(dry.stdout, /no process listens/)
  const r = await runAsNobody(['run', file])
  assert.equal(r.exitCode, 3, r.stdout)
  assert.match(r.stdout, new RegExp(`attach 'web': ${expected.source}`))
})
