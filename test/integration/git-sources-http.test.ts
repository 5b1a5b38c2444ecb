/**
 * GitOps over HTTPS-style auth (issue 16 §2): `git http-backend` behind a node HTTP server
 * that answers 401 unless the Basic password is the token. The token reaches git through
 * GIT_ASKPASS and an environment variable only: while git fetches, no process's command line
 * holds it; nor does any log line, API answer or file git keeps. SSH deploy keys: no sshd on
 * this machine, so the key file (0600), the ssh command git is given and a refused
 * connection's one-line error are checked, not a real SSH fetch.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { apiFetch } from '../support/chaos-center.js'
import { freePort } from '../support/free-port.js'
import { ManualClock } from '../support/manual-clock.js'
import { manifest, serveHttpBackend, TestRepo, type HttpServed } from '../support/git-repos.js'
import { startServer, type RunningServer } from '../../src/server/server.js'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sshCommand } from '../../src/server/git/access.js'
import type { ExperimentSummary, LoginResponse } from '../../src/shared/api.js'
import type { CreatedGitSource, GitSourceInfo, GitSyncInfo } from '../../src/shared/continuous.js'

const TOKEN = 'glpat-Sup3rSecretT0ken-4242'

let dir: string
let repo: TestRepo
let http: HttpServed
let server: RunningServer
let token: string
const logs: string[] = []
/** Every API answer's text, to look for the token in. */
const answers: string[] = []

const call = async <T>(method: string, apiPath: string, body?: unknown) => {
  const r = await apiFetch<T>(server.url, apiPath, {
    token,
    method,
    ...(body === undefined ? {} : { body }),
  })
  answers.push(r.text)
  return r
}

/** POST a source (answered at once, before its first sync), then that first sync's outcome. */
async function addSource(body: Record<string, unknown>) {
  const r = await call<CreatedGitSource>('POST', '/api/git-sources', body)
  assert.equal(r.status, 201, r.text)
  assert.equal(r.json.lastSync, undefined)
  await server.ctx.gitSources.idle(r.json.id)
  const detail = await call<GitSourceInfo>('GET', `/api/git-sources/${r.json.id}`)
  return { r, lastSync: detail.json.lastSync }
}

/** Every file under `root`, as text. */
function filesUnder(root: string): { file: string; text: string }[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name)
      return { file, text: readFileSync(file, 'latin1') }
    })
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-gitops-http-'))
  repo = await TestRepo.create(dir)
  await repo.commit({ 'experiments/alpha.yaml': manifest('alpha') })
  http = await serveHttpBackend(repo, TOKEN)
  server = await startServer({
    dataDir: path.join(dir, 'data'),
    port: 0,
    clock: new ManualClock(Date.now()),
    onLog: (line) => logs.push(line),
  })
  const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
  const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
    method: 'POST',
    body: { code },
  })
  token = login.json.token
})

after(async () => {
  await server?.close()
  await http?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a token-protected repository syncs; the token is in no argv, log line, answer or git file', async () => {
  const { r, lastSync } = await addSource({
    name: 'private',
    url: http.url,
    folder: 'experiments',
    token: TOKEN,
  })
  assert.equal(r.json.auth, 'token')
  assert.equal(lastSync?.ok, true, JSON.stringify(lastSync))
  assert.equal(lastSync?.created, 1)
  assert.equal(http.usernames.at(-1), 'x-access-token')
  // git asked without credentials first (401), then with the token from GIT_ASKPASS.
  assert.ok(http.refused >= 1 && http.requests > http.refused, `${http.requests} ${http.refused}`)
  // The command lines were read while git was fetching: git's own processes are among them.
  assert.ok(
    http.cmdlines.some((c) => /git(-| )remote-http/.test(c)),
    'git was running'
  )
  assert.deepEqual(
    http.cmdlines.filter((c) => c.includes(TOKEN)),
    []
  )
  await call<GitSourceInfo[]>('GET', '/api/git-sources')
  await call('GET', `/api/git-sources/${r.json.id}`)
  await call('POST', `/api/git-sources/${r.json.id}/sync`)
  await call<ExperimentSummary[]>('GET', '/api/experiments')
  assert.deepEqual(
    answers.filter((a) => a.includes(TOKEN)),
    []
  )
  assert.deepEqual(
    logs.filter((l) => l.includes(TOKEN)),
    []
  )
  assert.deepEqual(
    filesUnder(path.join(dir, 'data', 'git'))
      .filter((f) => f.text.includes(TOKEN))
      .map((f) => f.file),
    []
  )
  const script = path.join(dir, 'data', 'git', 'askpass.sh')
  assert.equal(statSync(script).mode & 0o777, 0o700)
})

test('a token written in the URL is moved out of it: stored and shown scrubbed', async () => {
  const withToken = http.url.replace('http://', `http://oauth2:${TOKEN}@`)
  const { r, lastSync } = await addSource({
    name: 'inline',
    url: withToken,
    folder: 'experiments',
  })
  assert.equal(r.json.url, http.url)
  assert.equal(r.json.auth, 'token')
  assert.equal(http.usernames.at(-1), 'oauth2')
  // alpha is already managed by `private`: reported, not overwritten.
  assert.equal(lastSync?.ok, true, JSON.stringify(lastSync))
  assert.match(lastSync?.invalid[0]?.message ?? '', /managed by git source private/)
  assert.ok(!JSON.stringify(answers).includes(TOKEN))
})

test('a wrong token: the sync fails in one line without the token, the experiments stay', async () => {
  const wrong = 'ghp_wrongWrongWrong0000'
  const sync: GitSyncInfo = (await addSource({ name: 'wrong', url: http.url, token: wrong }))
    .lastSync!
  assert.equal(sync.ok, false)
  assert.match(sync.error ?? '', /^git fetch: fatal: Authentication failed/)
  assert.ok(!sync.error!.includes(wrong) && !sync.error!.includes('\n'))
  assert.ok(!logs.some((l) => l.includes(wrong)))
  const alpha = (await call<ExperimentSummary[]>('GET', '/api/experiments')).json.find(
    (e) => e.name === 'alpha'
  )
  assert.equal(alpha?.origin?.source, 'private')
})

test('an SSH deploy key: written 0600, used alone, a refused connection reported in one line', async () => {
  const keyDir = mkdtempSync(path.join(dir, 'key-'))
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keyDir, 'id')])
  const key = readFileSync(path.join(keyDir, 'id'), 'utf8')
  const port = await freePort()
  const { r, lastSync } = await addSource({
    name: 'deploy-key',
    url: `ssh://git@127.0.0.1:${port}/srv/chaos.git`,
    sshKey: key,
  })
  assert.equal(r.json.auth, 'ssh-key')
  assert.equal(lastSync?.ok, false)
  assert.match(lastSync?.error ?? '', /Connection refused|Could not read from remote/)
  const keyFile = path.join(dir, 'data', 'git', 'keys', r.json.id)
  assert.equal(statSync(keyFile).mode & 0o777, 0o600)
  assert.ok(!r.text.includes('PRIVATE KEY'))
  assert.ok(!logs.some((l) => l.includes('PRIVATE KEY')))
  const command = sshCommand(keyFile, '/data/git/known_hosts')
  assert.match(
    command,
    /-i '.*keys\/git_[^']+' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes/
  )
  assert.match(
    command,
    /UserKnownHostsFile='\/data\/git\/known_hosts' -o StrictHostKeyChecking=accept-new/
  )
  // Removing the source removes its key.
  assert.equal((await call('DELETE', `/api/git-sources/${r.json.id}`)).status, 204)
  assert.throws(() => statSync(keyFile))
})

test('a local path (tests, air-gapped mirrors) syncs like any other address', async () => {
  await repo.commit({ 'local/omega.yaml': manifest('omega') })
  for (const [name, url] of [
    ['local-path', repo.bare],
    ['local-file-url', `file://${repo.bare}`],
  ] as const) {
    const { r, lastSync } = await addSource({ name, url, folder: 'local' })
    assert.equal(lastSync?.ok, true, JSON.stringify(lastSync))
    assert.equal(r.json.url, url)
    assert.equal((await call('DELETE', `/api/git-sources/${r.json.id}`)).status, 204)
  }
})

test("without a deploy key, ssh offers no identity: not the server user's keys, not its agent", () => {
  // `ssh -G` prints the configuration ssh would use, with the same options git passes.
  const config = execFileSync(
    'sh',
    ['-c', `${sshCommand(undefined, '/dev/null')} -G git.example`],
    {
      encoding: 'utf8',
    }
  )
  const identities = config.split('\n').filter((l) => /^identit/.test(l))
  assert.deepEqual(
    identities.sort(),
    ['identityagent none', 'identityfile none', 'identitiesonly yes'].sort()
  )
})

test('a redirect is not followed: the token never reaches the host it names', async () => {
  // B asks for credentials and records any it is sent; A redirects every request to B.
  const seen: (string | undefined)[] = []
  const b = createServer((req, res) => {
    seen.push(req.headers.authorization)
    res.writeHead(401, { 'www-authenticate': 'Basic realm="b"' }).end()
  })
  await new Promise<void>((resolve) => b.listen(0, '127.0.0.1', resolve))
  const bPort = (b.address() as AddressInfo).port
  const a = createServer((req, res) => {
    res.writeHead(302, { location: `http://localhost:${bPort}${req.url ?? '/'}` }).end()
  })
  await new Promise<void>((resolve) => a.listen(0, '127.0.0.1', resolve))
  const aPort = (a.address() as AddressInfo).port
  try {
    const { r, lastSync } = await addSource({
      name: 'redirected',
      url: `http://127.0.0.1:${aPort}/chaos.git`,
      token: TOKEN,
    })
    assert.equal(lastSync?.ok, false)
    assert.deepEqual(seen, [], 'B was never asked')
    assert.ok(!JSON.stringify(lastSync).includes(TOKEN))
    assert.equal((await call('DELETE', `/api/git-sources/${r.json.id}`)).status, 204)
  } finally {
    a.close()
    b.close()
  }
})
