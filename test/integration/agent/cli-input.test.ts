/**
 * `ordeal agent`'s bad-input lines (design §9, agent rows) through the built CLI: one stderr
 * line, exit 2 (3 for a locked state dir), nothing started. The HTTP answers before the
 * upgrade come from a small real HTTP server in this test; the rows that need a Chaos Center
 * with agents (4004, revoke, replace) are in test/integration/agent-process.test.ts.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { cliPath, collect, runCli } from '../../support/cli.js'
import { freePort } from '../../support/free-port.js'

let dir: string
let tokenFile: string
let server: http.Server
let base: string
/** What the fake server answers at /api/agents/connect, per path prefix. */
const answers: Record<string, { status: number; body: object }> = {
  '/expired': { status: 401, body: { error: 'unauthorized', message: 'invalid or expired token' } },
  '/editor': {
    status: 403,
    body: { error: 'forbidden', message: 'requires role agent; token has editor' },
  },
  '/other': { status: 404, body: { error: 'not_found', message: 'Route GET:/x not found' } },
}
const seen: { url?: string; authorization?: string; agent?: string }[] = []

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-agent-cli-'))
  tokenFile = path.join(dir, 'token')
  writeFileSync(tokenFile, 'ord_secret_token\n', { mode: 0o600 })
  server = http.createServer((req, res) => {
    seen.push({
      url: req.url,
      authorization: req.headers.authorization,
      agent: req.headers['user-agent'],
    })
    const answer = Object.entries(answers).find(([prefix]) => req.url?.startsWith(prefix))?.[1] ?? {
      status: 404,
      body: { error: 'not_found', message: 'no such route' },
    }
    res
      .writeHead(answer.status, { 'content-type': 'application/json' })
      .end(JSON.stringify(answer.body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
after(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

const me = os.userInfo().username
const agent = (args: string[], env: Record<string, string> = {}) =>
  runCli(['agent', '--run-as', me, '--state-dir', path.join(dir, 'state'), ...args], {
    env: { HTTPS_PROXY: '', HTTP_PROXY: '', ALL_PROXY: '', ...env },
    timeoutMs: 60_000,
  })

function oneLine(
  r: { exitCode: number | null; stdout: string; stderr: string },
  code: number,
  line: string
) {
  assert.equal(r.stdout, '')
  assert.equal(r.stderr, `${line}\n`, r.stderr)
  assert.equal(r.exitCode, code)
}

test('flags: one line naming the flag, exit 2', async () => {
  const cases: [string[], string][] = [
    [
      ['--token-file', tokenFile],
      'ordeal agent: --server URL is required (the Chaos Center, e.g. https://cc.example:7700)',
    ],
    [
      ['--server', 'cc:7700', '--token-file', tokenFile],
      "ordeal agent: --server 'cc:7700' must be an http:// or https:// URL",
    ],
    [
      ['--server', 'ftp://cc', '--token-file', tokenFile],
      "ordeal agent: --server 'ftp://cc' must be an http:// or https:// URL",
    ],
    [
      ['--server', base],
      'ordeal agent: --token-file FILE is required (a token of role agent: ordeal token create --role agent --name NAME)',
    ],
    [
      ['--server', base, '--token-file', '/nonexistent/token'],
      'ordeal agent: --token-file /nonexistent/token: ENOENT',
    ],
    [
      ['--server', base, '--token-file', tokenFile, '--name', 'Edge_1'],
      "ordeal agent: --name 'Edge_1' must be a-z, 0-9 and '-' (at most 63, not starting or ending with '-')",
    ],
    [
      ['--server', base, '--token-file', tokenFile, '--label', 'zone'],
      "ordeal agent: --label 'zone' must be k=v (k: a-z, 0-9, '.', '_', '/', '-'; v: A-Z, a-z, 0-9, '.', '_', '-')",
    ],
    [
      ['--server', base, '--token-file', tokenFile, '--max-runs', '0'],
      "ordeal agent: --max-runs '0' must be a whole number from 1 to 64",
    ],
    [
      ['--server', base, '--token-file', tokenFile, '--ca-file', tokenFile],
      `ordeal agent: --ca-file ${tokenFile} holds no PEM certificate`,
    ],
  ]
  for (const [args, line] of cases) {
    oneLine(await agent(args), 2, line)
  }
  const empty = path.join(dir, 'empty')
  writeFileSync(empty, '\n', { mode: 0o600 })
  oneLine(
    await agent(['--server', base, '--token-file', empty]),
    2,
    `ordeal agent: --token-file ${empty} is empty`
  )
})

test('HTTP answers before the upgrade: 401, 403, 404 are one line and exit 2; the token is sent, never printed', async () => {
  oneLine(
    await agent(['--server', `${base}/expired`, '--token-file', tokenFile]),
    2,
    `ordeal agent: ${base}/expired rejected the token (401 unauthorized: invalid or expired token)`
  )
  oneLine(
    await agent(['--server', `${base}/editor`, '--token-file', tokenFile]),
    2,
    "ordeal agent: the token's role is editor; an agent needs a token of role agent (ordeal token create --role agent --name NAME)"
  )
  oneLine(
    await agent(['--server', `${base}/other/`, '--token-file', tokenFile]),
    2,
    `ordeal agent: ${base}/other/ is not a Chaos Center (GET /api/agents/connect answered 404)`
  )
  const request = seen.find((s) => s.url === '/other/api/agents/connect')
  assert.ok(request, JSON.stringify(seen))
  assert.equal(request.authorization, 'Bearer ord_secret_token')
  assert.match(request.agent ?? '', /^ordeal-agent\/\d+\.\d+\.\d+/)
})

test('a token file others can read warns, and the agent goes on', async () => {
  const loose = path.join(dir, 'loose')
  writeFileSync(loose, 'ord_secret_token\n')
  chmodSync(loose, 0o644)
  const r = await agent(['--server', `${base}/other`, '--token-file', loose])
  assert.equal(
    r.stderr,
    `warning: --token-file ${loose} is readable by others; chmod 600 it\n` +
      `ordeal agent: ${base}/other is not a Chaos Center (GET /api/agents/connect answered 404)\n`
  )
  assert.equal(r.exitCode, 2)
})

test('an unreachable server is retried, never fatal; a second agent on the state dir exits 3; SIGTERM exits 0', async () => {
  const port = await freePort() // nothing listens there
  const stateDir = path.join(dir, 'locked')
  const args = [
    'agent',
    '--run-as',
    me,
    '--state-dir',
    stateDir,
    '--server',
    `http://127.0.0.1:${port}`,
    '--token-file',
    tokenFile,
  ]
  const first = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const done = collect(first, 60_000)
  // Its first failed attempt is logged: by then it holds the state dir.
  await new Promise<void>((resolve) => {
    let text = ''
    first.stderr!.on('data', (d: Buffer) => {
      text += d.toString()
      if (text.includes('cannot reach')) {
        resolve()
      }
    })
  })
  const second = await runCli(args, { timeoutMs: 60_000 })
  assert.equal(
    second.stderr,
    `ordeal agent: another agent uses --state-dir ${stateDir} (pid ${first.pid})\n`
  )
  assert.equal(second.exitCode, 3)
  first.kill('SIGTERM')
  const r = await done
  assert.equal(r.exitCode, 0, r.stderr)
  assert.equal(r.stdout, '')
  assert.match(
    r.stderr,
    new RegExp(
      `agent: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\), attempt 1; retrying in \\d+\\.\\d s`
    )
  )
  assert.doesNotMatch(r.stderr, /ord_secret_token/)
})
