/**
 * Real git repositories for the GitOps tests (issue 16 §2): a bare repository the test pushes
 * to from a work clone, served on 127.0.0.1 by `git daemon` (git://) or by `git http-backend`
 * behind a small node HTTP server (CGI) that requires a token as HTTP Basic password.
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.js'

const run = promisify(execFile)

const GIT_ENV = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  LANG: 'C',
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: GIT_ENV, maxBuffer: 256 * 1024 * 1024 })
  return stdout.trim()
}

/** A bare repository (`<root>/repos/origin.git`) and a work clone to commit and push from. */
export class TestRepo {
  readonly bare: string
  readonly work: string

  private constructor(readonly root: string) {
    this.bare = path.join(root, 'repos', 'origin.git')
    this.work = path.join(root, 'work')
  }

  static async create(root: string): Promise<TestRepo> {
    const repo = new TestRepo(root)
    mkdirSync(repo.bare, { recursive: true })
    await git(repo.bare, 'init', '--quiet', '--bare', '--initial-branch=main')
    mkdirSync(repo.work, { recursive: true })
    await git(repo.work, 'init', '--quiet', '--initial-branch=main')
    await git(repo.work, 'remote', 'add', 'origin', repo.bare)
    return repo
  }

  /** Writes (string) or deletes (null) files, commits all, pushes; answers the commit id. */
  async commit(files: Record<string, string | null>, message = 'change'): Promise<string> {
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.work, file)
      if (content === null) {
        rmSync(full, { force: true })
      } else {
        mkdirSync(path.dirname(full), { recursive: true })
        writeFileSync(full, content)
      }
    }
    await git(this.work, 'add', '--all')
    await git(this.work, 'commit', '--quiet', '--allow-empty', '-m', message)
    await git(this.work, 'push', '--quiet', 'origin', 'main')
    return git(this.work, 'rev-parse', 'HEAD')
  }

  async rename(from: string, to: string): Promise<string> {
    mkdirSync(path.dirname(path.join(this.work, to)), { recursive: true })
    await git(this.work, 'mv', from, to)
    return this.commit({}, `rename ${from} ${to}`)
  }

  /** Rewrites history: the branch goes back to `commit`, then gets `files`, force-pushed. */
  async forcePush(commit: string, files: Record<string, string | null>): Promise<string> {
    await git(this.work, 'reset', '--quiet', '--hard', commit)
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(this.work, file)
      if (content === null) {
        rmSync(full, { force: true })
      } else {
        writeFileSync(full, content)
      }
    }
    await git(this.work, 'add', '--all')
    await git(this.work, 'commit', '--quiet', '-m', 'rewritten')
    await git(this.work, 'push', '--quiet', '--force', 'origin', 'main')
    return git(this.work, 'rev-parse', 'HEAD')
  }
}

export interface Served {
  url: string
  stop(): Promise<void>
}

/** `git daemon` serving `<root>/repos` read-only on git://127.0.0.1:PORT/origin.git. */
export async function serveGitDaemon(repo: TestRepo): Promise<Served> {
  const port = await freePort()
  const base = path.dirname(repo.bare)
  const child: ChildProcess = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--export-all',
      `--base-path=${base}`,
      '--listen=127.0.0.1',
      `--port=${port}`,
      base,
    ],
    { env: GIT_ENV, stdio: ['ignore', 'ignore', 'pipe'] }
  )
  // Ready once it accepts a connection: ls-remote answers.
  const url = `git://127.0.0.1:${port}/origin.git`
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      await run('git', ['ls-remote', url], { env: GIT_ENV, timeout: 5000 })
      break
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw error
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export interface HttpServed extends Served {
  /** Command lines of every process on the machine, read while git was fetching. */
  cmdlines: string[]
  requests: number
  refused: number
  /** The Basic user names git sent with the token. */
  usernames: string[]
}

/** Every process's command line (`/proc/<pid>/cmdline`), NULs as spaces. */
function allCommandLines(): string[] {
  const out: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '))
    } catch {
      // Gone meanwhile.
    }
  }
  return out
}

/**
 * `git http-backend` (smart HTTP) behind a node server that answers 401 unless the Basic
 * password is `token`. While a request is being served (git fetching), every process's command
 * line is read: the tests assert the token is in none of them.
 */
export async function serveHttpBackend(repo: TestRepo, token: string): Promise<HttpServed> {
  const root = path.dirname(repo.bare)
  const served: HttpServed = {
    url: '',
    cmdlines: [],
    requests: 0,
    refused: 0,
    usernames: [],
    stop: async () => undefined,
  }
  const server = http.createServer((req, res) => {
    served.requests++
    served.cmdlines.push(...allCommandLines())
    const auth = req.headers.authorization ?? ''
    const [, basic] = /^Basic (.+)$/.exec(auth) ?? []
    const [username = '', ...rest] =
      basic === undefined ? [] : Buffer.from(basic, 'base64').toString('utf8').split(':')
    const password = rest.join(':')
    if (password !== token) {
      served.refused++
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required')
      return
    }
    served.usernames.push(username)
    const url = new URL(req.url ?? '/', 'http://x')
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] !== undefined
          ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }
          : {}),
        ...(req.headers['git-protocol'] !== undefined
          ? { GIT_PROTOCOL: String(req.headers['git-protocol']) }
          : {}),
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    })
    req.pipe(cgi.stdin)
    const chunks: Buffer[] = []
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c))
    cgi.on('close', () => {
      const out = Buffer.concat(chunks)
      const split = out.indexOf('\r\n\r\n')
      const headerEnd = split >= 0 ? split : out.indexOf('\n\n')
      const gap = split >= 0 ? 4 : 2
      const headers: Record<string, string> = {}
      let status = 200
      for (const line of out.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim()
        const value = line.slice(colon + 1).trim()
        if (name.toLowerCase() === 'status') {
          status = Number(value.split(' ')[0])
        } else if (name !== '') {
          headers[name] = value
        }
      }
      res.writeHead(status, headers).end(out.subarray(headerEnd + gap))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  served.url = `http://127.0.0.1:${address.port}/origin.git`
  served.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return served
}

/** A small valid manifest (a sleeper service, one wait step); the API tests use it too. */
export const manifest = (
  name: string,
  hypothesis = 'The sleeper keeps sleeping.'
) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: ${hypothesis}
  system:
    services:
      - name: sleeper
        command: node
        args: ['-e', 'setInterval(() => {}, 1000)']
  steps:
    - name: nap
      wait: 100ms
`
