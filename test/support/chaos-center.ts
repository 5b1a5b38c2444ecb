/**
 * A real Chaos Center for integration and e2e tests: the BUILT CLI (`node dist/cli/main.js
 * server --port 0`) in its own process group, its URL and one-time login link read from its
 * output, the code exchanged for an owner session token. One per test file; `restart()` keeps
 * the data dir (and so the token), `kill9()` simulates a crash.
 * @module
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import type {
  EventPage,
  Experiment,
  JournalEvent,
  LoginResponse,
  Role,
  RunSummary,
  User,
} from '../../src/shared/api.js'
import { cliPath, repoRoot } from './cli.js'
import { spawnServer, waitUntil, type ServerProcess } from './server-process.js'

export interface ChaosCenter {
  /** `http://127.0.0.1:PORT` of the current process (a restart picks a new port). */
  readonly url: string
  /** The owner's session token (survives restarts: it lives in the store). */
  readonly ownerToken: string
  /** The first start's one-time login link; undefined after a restart. */
  readonly loginLink: string | undefined
  readonly dataDir: string
  readonly child: ChildProcess
  /** Everything the current process printed (stdout and stderr). */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
  kill9(): Promise<void>
  restart(extraArgs?: string[]): Promise<void>
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv
  args?: string[]
}

interface Started {
  process: ServerProcess
  url: string
  loginLink: string | undefined
  logFile: string
}

export async function startChaosCenter(options: StartOptions = {}): Promise<ChaosCenter> {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-center-'))
  const dataDir = path.join(tempDir, 'data')
  mkdirSync(dataDir)
  let starts = 0
  const launch = async (extraArgs: string[] = []): Promise<Started> => {
    starts += 1
    const logFile = path.join(tempDir, `server-${starts}.log`)
    const proc = spawnServer(
      process.execPath,
      [cliPath, 'server', '--port', '0', '--data', dataDir, ...(options.args ?? []), ...extraArgs],
      {
        logFile,
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        tempDir,
      }
    )
    let url: string | undefined
    await waitUntil('Chaos Center URL', proc, async () => {
      url = /^Chaos Center: (\S+)$/m.exec(read(logFile))?.[1]
      return url !== undefined
    })
    // The server writes the URL and login lines in one write: reading one means both are here.
    const loginLink = /^login: (\S+)$/m.exec(read(logFile))?.[1]
    return { process: proc, url: url!, loginLink, logFile }
  }

  let current = await launch()
  const firstLink = current.loginLink
  if (firstLink === undefined) {
    await current.process.stop('SIGKILL')
    throw new Error(`no login link on the first start\n${current.process.logTail()}`)
  }
  const code = new URL(firstLink).searchParams.get('code') ?? ''
  const login = await apiFetch<LoginResponse>(current.url, '/api/auth/login', {
    method: 'POST',
    body: { code },
  })
  if (login.status !== 200) {
    await current.process.stop('SIGKILL')
    throw new Error(`login failed: ${login.status} ${login.text}`)
  }
  const ownerToken = login.json.token

  return {
    get url() {
      return current.url
    },
    ownerToken,
    get loginLink() {
      return current.loginLink
    },
    dataDir,
    get child() {
      return current.process.child
    },
    output: () => read(current.logFile),
    stop: (signal = 'SIGTERM') => current.process.stop(signal),
    kill9: () => current.process.stop('SIGKILL'),
    async restart(extraArgs = []) {
      if (!current.process.exited) {
        await current.process.stop('SIGTERM')
      }
      current = await launch(extraArgs)
    },
    async dispose() {
      await current.process.stop('SIGTERM')
      rmSync(tempDir, { recursive: true, force: true })
    },
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

export interface ApiResponse<T> {
  status: number
  /** Parsed JSON body (undefined when the body was empty or not JSON). */
  json: T
  text: string
  headers: Headers
}

/** One API call: JSON in, JSON out, the bearer token in the header when given. */
export async function apiFetch<T = unknown>(
  url: string,
  apiPath: string,
  options: {
    token?: string
    method?: string
    body?: unknown
    headers?: Record<string, string>
  } = {}
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) {
    headers['authorization'] = `Bearer ${options.token}`
  }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  }
  const response = await fetch(new URL(apiPath, url), {
    method: options.method ?? 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, json: json as T, text, headers: response.headers }
}

/** Creates a user with `role` (as the owner) and logs them in; returns their session token. */
export async function createUserWithToken(
  center: Pick<ChaosCenter, 'url' | 'ownerToken'>,
  role: Role,
  name = `${role}-${Math.random().toString(36).slice(2, 8)}`
): Promise<{ user: User; token: string }> {
  const created = await apiFetch<{ user: User; loginCode: string }>(center.url, '/api/users', {
    token: center.ownerToken,
    method: 'POST',
    body: { name, role },
  })
  if (created.status !== 201) {
    throw new Error(`creating user ${name}: ${created.status} ${created.text}`)
  }
  const login = await apiFetch<LoginResponse>(center.url, '/api/auth/login', {
    method: 'POST',
    body: { code: created.json.loginCode },
  })
  if (login.status !== 200) {
    throw new Error(`logging in ${name}: ${login.status} ${login.text}`)
  }
  return { user: created.json.user, token: login.json.token }
}

/** Saves `yaml` as a new experiment and starts a run of it, as the owner. */
export async function startExperimentRun(
  center: Pick<ChaosCenter, 'url' | 'ownerToken'>,
  yaml: string
): Promise<RunSummary> {
  const call = <T>(p: string, body: unknown) =>
    apiFetch<T>(center.url, p, { token: center.ownerToken, method: 'POST', body })
  const created = await call<Experiment>('/api/experiments', { yaml })
  if (created.status !== 201) {
    throw new Error(`creating the experiment: ${created.status} ${created.text}`)
  }
  const started = await call<RunSummary>('/api/runs', { experimentId: created.json.id })
  if (started.status !== 201) {
    throw new Error(`starting the run: ${started.status} ${started.text}`)
  }
  return started.json
}

/** Every stored event of a run, read page by page (`limit` per page) as the owner. */
export async function allRunEvents(
  center: Pick<ChaosCenter, 'url' | 'ownerToken'>,
  runId: string,
  limit: number
): Promise<JournalEvent[]> {
  const events: JournalEvent[] = []
  let afterSeq: number | undefined
  for (;;) {
    const q = `limit=${limit}${afterSeq === undefined ? '' : `&after=${afterSeq}`}`
    const page = await apiFetch<EventPage>(center.url, `/api/runs/${runId}/events?${q}`, {
      token: center.ownerToken,
    })
    if (page.status !== 200) {
      throw new Error(`reading events of ${runId}: ${page.status} ${page.text}`)
    }
    events.push(...page.json.events)
    if (page.json.next === undefined) {
      return events
    }
    afterSeq = page.json.next
  }
}
