/**
 * README "Continuous chaos" is runnable: examples/continuous/walkthrough.sh, run as it is
 * against a real Chaos Center (the built CLI's server), shows a schedule's next ticks, syncs a
 * git folder (a real repository the script makes), fires a signed deploy event that runs the
 * experiment once, and reads a passing rollout gate. No secret is on a command line (curl and
 * node are wrapped to record their argv), and what the script made on the server is gone after.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { collect, repoRoot } from '../support/cli.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'

let center: ChaosCenter
let bin: string

/** A `name` on PATH that appends its argv to argv.log, then runs the real one. */
function recorded(name: string, real: string): void {
  const file = path.join(bin, name)
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "$*" >>'${bin}/argv.log'\nexec '${real}' "$@"\n`)
  chmodSync(file, 0o755)
}

before(async () => {
  center = await startChaosCenter()
  bin = mkdtempSync(path.join(os.tmpdir(), 'ordeal-walkthrough-bin-'))
  recorded('node', process.execPath)
  const curl = (process.env['PATH'] ?? '')
    .split(':')
    .map((dir) => path.join(dir, 'curl'))
    .find((file) => {
      try {
        return readFileSync(file).length > 0
      } catch {
        return false
      }
    })
  assert.ok(curl, 'curl on PATH')
  recorded('curl', curl)
})

after(async () => {
  await center?.dispose()
  if (bin !== undefined) {
    rmSync(bin, { recursive: true, force: true })
  }
})

test('the walkthrough: a schedule, a git-synced folder, a deploy trigger and a rollout gate', async (t) => {
  const child = spawn('bash', [path.join(repoRoot, 'examples/continuous/walkthrough.sh')], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      ORDEAL_SERVER: center.url,
      ORDEAL_TOKEN: center.ownerToken,
      HTTP_PROXY: '',
      HTTPS_PROXY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const r = await collect(child, 240_000)
  assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}\n${center.output()}`)
  t.diagnostic(r.stdout)
  assert.match(r.stdout, /nightly \(0 3 \* \* \* Europe\/Paris\), next: 20\d\d-/)
  assert.match(r.stdout, /synced commit [0-9a-f]{7}: 1 experiment\(s\) managed, 0 invalid/)
  assert.match(r.stdout, /api-pause from api-pause\.yaml @ [0-9a-f]{7}/)
  assert.match(r.stdout, /delivery accepted, matched checkout-resilience\/after-deploy/)
  assert.match(r.stdout, /run \S+: pass, score 100 \(trigger after-deploy\)/)
  assert.match(r.stdout, /HTTP 200: /)
  assert.doesNotMatch(center.output(), new RegExp(center.ownerToken))

  // Secrets on no command line: the token went to curl on stdin, the hook's secret to node in
  // its environment (openssl -hmac took it as an argument).
  const argv = readFileSync(path.join(bin, 'argv.log'), 'utf8')
  assert.match(argv, /api\/gates\/checkout-resilience/, 'the wrappers saw the calls')
  assert.ok(!argv.includes(center.ownerToken), 'the token was on a command line')
  assert.doesNotMatch(argv, /Authorization|-hmac/i)
  // The git source and the hook it made are deleted on exit (the repository is gone with it).
  const sources = await apiFetch<{ name: string }[]>(center.url, '/api/git-sources', {
    token: center.ownerToken,
  })
  assert.deepEqual(
    sources.json.filter((x) => x.name.startsWith('walkthrough-')),
    [],
    'the git source was left behind'
  )
  const hooks = await apiFetch<{ name: string }[]>(center.url, '/api/hooks', {
    token: center.ownerToken,
  })
  assert.deepEqual(
    hooks.json.filter((x) => x.name.startsWith('deploys-')),
    [],
    'the hook was left behind'
  )
})
