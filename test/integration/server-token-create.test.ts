/**
 * `ordeal token create` (issue 14) through the built CLI: a token made offline in the store of
 * a running Chaos Center works on its API at once, with the role asked for; agent tokens are
 * agents' identities (they reach nothing but the agent routes); the secret is the last line of
 * stdout and nowhere else; bad input is one line and exit 2, with nothing written.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { ApiError, ApiToken, Experiment, Me } from '../../src/shared/api.js'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { runCli, type CliResult } from '../support/cli.js'
import { startPostgres } from '../support/postgres.js'

const manifest = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: made-with-an-offline-token
spec:
  hypothesis: The sleeper keeps sleeping.
  system:
    services:
      - name: sleeper
        command: node
        args: ['-e', 'setInterval(() => {}, 1000)']
  steps:
    - name: nap
      wait: 100ms
`

let center: ChaosCenter
let scratch: string

before(async () => {
  center = await startChaosCenter()
  scratch = mkdtempSync(path.join(os.tmpdir(), 'ordeal-token-'))
})

after(async () => {
  await center?.dispose()
  rmSync(scratch, { recursive: true, force: true })
})

const tokenCreate = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(['token', 'create', ...args], { env, timeoutMs: 60_000 })

/** The secret: the last line of stdout, alone. */
function secretOf(r: CliResult): string {
  assert.equal(r.exitCode, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  const secret = lines[lines.length - 1] ?? ''
  assert.match(secret, /^ordl_tok_[A-Za-z0-9_-]{43}$/)
  return secret
}

describe('ordeal token create beside a running server', () => {
  test('an editor token made offline works on the API at once', async () => {
    const r = await tokenCreate(['--data', center.dataDir, '--role', 'editor', '--name', 'ci'])
    const secret = secretOf(r)
    assert.match(r.stderr, /^token tok_[A-Za-z0-9_-]+ \(role editor, name ci\) for user owner\n$/)
    assert.ok(!r.stderr.includes(secret), 'the secret is on stdout only')
    const me = await apiFetch<Me>(center.url, '/api/auth/me', { token: secret })
    assert.equal(me.status, 200, me.text)
    assert.equal(me.json.role, 'editor')
    assert.equal(me.json.user.name, 'owner')
    const created = await apiFetch<Experiment>(center.url, '/api/experiments', {
      token: secret,
      method: 'POST',
      body: { yaml: manifest },
    })
    assert.equal(created.status, 201, created.text)
    assert.ok(!center.output().includes(secret), 'the secret is in no server log')
  })

  test('an agent token: named after its agent, role agent, nothing but the agent routes', async () => {
    const r = await tokenCreate(['--data', center.dataDir, '--role', 'agent', '--name', 'edge-1'])
    const secret = secretOf(r)
    assert.match(r.stderr, /^token tok_\S+ \(role agent, name edge-1\) for user owner\n$/)
    const me = await apiFetch<ApiError>(center.url, '/api/auth/me', { token: secret })
    assert.equal(me.status, 403, me.text)
    assert.deepEqual(me.json, {
      error: 'forbidden',
      message: 'requires role viewer; token has agent',
    })
    const tokens = await apiFetch<ApiToken[]>(center.url, '/api/tokens', {
      token: center.ownerToken,
    })
    const listed = tokens.json.find((t) => r.stderr.includes(t.id))
    assert.equal(listed?.name, 'edge-1')
    assert.equal(listed?.role, 'agent')
  })

  test('--user and --expires-in: the token belongs to that user and expires', async () => {
    const bob = await createUserWithToken(center, 'editor', 'bob')
    const r = await tokenCreate([
      '--data',
      center.dataDir,
      '--role',
      'viewer',
      '--name',
      'bob-ci',
      '--user',
      'bob',
      '--expires-in',
      '30d',
    ])
    const secret = secretOf(r)
    assert.match(r.stderr, /\(role viewer, name bob-ci, expires \S+\) for user bob\n$/)
    const me = await apiFetch<Me>(center.url, '/api/auth/me', { token: secret })
    assert.equal(me.json.user.id, bob.user.id)
    assert.equal(me.json.role, 'viewer')
    const own = await apiFetch<ApiToken[]>(center.url, '/api/tokens', { token: bob.token })
    const token = own.json.find((t) => t.name === 'bob-ci')
    const expiresIn = Date.parse(token?.expiresAt ?? '') - Date.now()
    assert.ok(Math.abs(expiresIn - 30 * 86_400_000) < 60_000, `expires in ${expiresIn} ms`)
  })

  test('bad input: one line, exit 2, no token written', async () => {
    const file = path.join(scratch, 'a-file')
    writeFileSync(file, 'not a directory')
    await createUserWithToken(center, 'viewer', 'vera')
    const data = ['--data', center.dataDir]
    const cases: [string[], string][] = [
      [
        [...data, '--role', 'admin', '--name', 'x'],
        '--role must be owner, editor, viewer or agent',
      ],
      [[...data, '--name', 'x'], '--role must be owner, editor, viewer or agent'],
      [['--data', file, '--role', 'viewer', '--name', 'x'], `--data '${file}' is not a directory`],
      [
        ['--data', path.join(file, 'sub'), '--role', 'viewer', '--name', 'x'],
        `--data '${path.join(file, 'sub')}' is not a directory`,
      ],
      [
        [...data, '--role', 'agent', '--name', 'Edge_1'],
        "--name 'Edge_1': an agent token's name is the agent's name (a-z, 0-9, '-')",
      ],
      [[...data, '--role', 'viewer', '--name', 'x', '--user', 'nobody'], 'no user named nobody'],
      [
        [...data, '--role', 'agent', '--name', 'edge-2', '--user', 'vera'],
        'user vera is viewer: agent tokens belong to owners',
      ],
      [
        [...data, '--role', 'editor', '--name', 'x', '--user', 'vera'],
        'user vera is viewer: a token never has more rights than its user',
      ],
      [
        [...data, '--role', 'viewer', '--name', 'x', '--expires-in', '0d'],
        "--expires-in '0d' must be a duration like 30d, 12h or 90m, at most 3650d",
      ],
    ]
    const before = await apiFetch<ApiToken[]>(center.url, '/api/tokens', {
      token: center.ownerToken,
    })
    for (const [args, line] of cases) {
      const r = await tokenCreate(args)
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr, `ordeal token: ${line}\n`, args.join(' '))
      assert.equal(r.stdout, '')
    }
    const afterwards = await apiFetch<ApiToken[]>(center.url, '/api/tokens', {
      token: center.ownerToken,
    })
    assert.equal(afterwards.json.length, before.json.length)
  })
})

describe('ordeal token create on an empty store (first set-up)', () => {
  test('creates the owner, says so, and secures the data dir', async () => {
    const data = path.join(scratch, 'fresh', 'data')
    const first = await tokenCreate(['--data', data, '--role', 'agent', '--name', 'edge-1'])
    secretOf(first)
    assert.equal(
      first.stderr.split('\n')[0],
      'created user owner; print a login link with ordeal server --reset-login'
    )
    assert.match(first.stderr.split('\n')[1] ?? '', /\(role agent, name edge-1\) for user owner$/)
    assert.equal(statSync(data).mode & 0o777, 0o700)
    assert.equal(statSync(path.join(data, 'ordeal.db')).mode & 0o077, 0)
    const second = await tokenCreate(['--data', data, '--role', 'owner', '--name', 'ops'])
    secretOf(second)
    assert.doesNotMatch(second.stderr, /created user/)
  })
})

describe('ordeal token create beside a server on PostgreSQL', () => {
  let postgres: Awaited<ReturnType<typeof startPostgres>>
  let onPostgres: ChaosCenter
  before(async () => {
    postgres = await startPostgres()
    onPostgres = await startChaosCenter({ env: { DATABASE_URL: postgres.url } })
  })
  after(async () => {
    await onPostgres?.dispose()
    await postgres?.stop()
  })

  test('with its DATABASE_URL the token lands in the shared database and works at once', async () => {
    const args = ['--data', onPostgres.dataDir, '--role', 'viewer', '--name', 'dash']
    const secret = secretOf(await tokenCreate(args, { DATABASE_URL: postgres.url }))
    const me = await apiFetch<Me>(onPostgres.url, '/api/auth/me', { token: secret })
    assert.equal(me.status, 200, me.text)
    assert.equal(me.json.role, 'viewer')
  })

  test('without it: refused (exit 2), and no stray SQLite store is made', async () => {
    const r = await tokenCreate(['--data', onPostgres.dataDir, '--role', 'viewer', '--name', 'x'])
    assert.equal(r.exitCode, 2, r.stderr)
    assert.match(
      r.stderr,
      /^ordeal token: the Chaos Center running on \S+ uses postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres, not SQLite: run with the DATABASE_URL it was started with\n$/
    )
    assert.ok(!r.stderr.includes(postgres.url), 'no password in the message')
    assert.equal(r.stdout, '')
    assert.equal(existsSync(path.join(onPostgres.dataDir, 'ordeal.db')), false)
  })
})
