/**
 * Shared fixtures for the supervisor tests: a tiny HTTP service written to a temp dir, a spec
 * builder, and a harness that records log lines and journal events and tears everything down.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { EventEmitter } from 'node:events'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Journal } from '../../../../src/engine/journal.js'
import type { JournalEvent } from '../../../../src/engine/events.js'
import type { ServiceSpec } from '../../../../src/experiment/model.js'
import { LocalSupervisor } from '../../../../src/platforms/local/local-supervisor.js'
import { groupAlive } from '../../../../src/safety/proc-scan.js'
import { signalGroup } from '../../../../src/platforms/local/process-group.js'

/** Listens on 127.0.0.1:argv[2]; GET / → {pid, port, dataDir}; GET /exit?code=N exits with N. */
const kServer = `
import http from 'node:http'
import fs from 'node:fs'
const port = Number(process.argv[2])
const dataDir = process.env.DATA_DIR
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1')
  if (url.pathname === '/exit') {
    res.end('bye', () => process.exit(Number(url.searchParams.get('code') ?? 0)))
    return
  }
  res.setHeader('connection', 'close')
  res.end(JSON.stringify({ pid: process.pid, port, dataDir }))
})
server.listen(port, '127.0.0.1', () => {
  console.log('listening on ' + port)
  console.error('hello from stderr')
  process.stdout.write('par')
  setTimeout(() => process.stdout.write('tial line\\n'), 20)
  if (dataDir) fs.writeFileSync(dataDir + '/ready', String(process.pid))
})
process.on('SIGTERM', () => process.exit(0))
`

export interface Fixture {
  dir: string
  server: string
  cleanup(): Promise<void>
}

export async function createFixture(): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-supervisor-'))
  const server = path.join(dir, 'server.mjs')
  await writeFile(server, kServer)
  return { dir, server, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A service running the fixture server on its `http` port, ready when it answers HTTP. */
export function serverSpec(fixture: Fixture, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'api',
    command: process.execPath,
    args: [fixture.server, '{{ports.http}}'],
    env: { DATA_DIR: '{{dataDir}}' },
    cwd: fixture.dir,
    replicas: 1,
    ports: { http: 0 },
    readiness: { kind: 'http', target: 'http://127.0.0.1:{{ports.http}}/', timeoutMs: 5000 },
    restart: 'always',
    backoff: { initialMs: 50, maxMs: 400 },
    gracePeriodMs: 2000,
    ...overrides,
  }
}

/** A service running `node -e script`; `overrides.args` follow the script (as process.argv[1…]). */
export function nodeSpec(
  fixture: Fixture,
  name: string,
  script: string,
  overrides: Partial<ServiceSpec> = {}
): ServiceSpec {
  const { args = [], ...rest } = overrides
  return serverSpec(fixture, {
    name,
    args: ['-e', script, ...args],
    env: {},
    readiness: undefined,
    ...rest,
  })
}

export class Harness {
  readonly journal = new Journal()
  readonly lines: string[] = []
  readonly #lineEvents = new EventEmitter().setMaxListeners(0)
  readonly #supervisors: LocalSupervisor[] = []

  constructor(readonly fixture: Fixture) {}

  supervisor(services: ServiceSpec[]): LocalSupervisor {
    const supervisor = new LocalSupervisor({
      services,
      runDir: path.join(this.fixture.dir, `run-${this.#supervisors.length}`),
      journal: this.journal,
      log: (line) => {
        this.lines.push(line)
        this.#lineEvents.emit('line', line)
      },
    })
    this.#supervisors.push(supervisor)
    return supervisor
  }

  /** Resolves with the first journal event (past or future) matching, or rejects after `ms`. */
  event<T extends JournalEvent['type']>(
    type: T,
    match: (event: Extract<JournalEvent, { type: T }>) => boolean = () => true,
    ms = 10_000
  ): Promise<Extract<JournalEvent, { type: T }>> {
    const test = (e: JournalEvent): e is Extract<JournalEvent, { type: T }> =>
      e.type === type && match(e as Extract<JournalEvent, { type: T }>)
    const past = this.journal.events.find(test)
    if (past) {
      return Promise.resolve(past)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new Error(`no ${type} event within ${ms}ms`))
      }, ms)
      const unsubscribe = this.journal.subscribe((e) => {
        if (test(e)) {
          clearTimeout(timer)
          unsubscribe()
          resolve(e)
        }
      })
    })
  }

  events<T extends JournalEvent['type']>(type: T): Extract<JournalEvent, { type: T }>[] {
    return this.journal.events.filter(
      (e): e is Extract<JournalEvent, { type: T }> => e.type === type
    )
  }

  /** Resolves when a log line equal to `line` has been seen, or rejects after `ms`. */
  line(line: string, ms = 5000): Promise<void> {
    if (this.lines.includes(line)) {
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#lineEvents.off('line', onLine)
        reject(new Error(`no log line '${line}' within ${ms}ms; got:\n${this.lines.join('\n')}`))
      }, ms)
      const onLine = (seen: string) => {
        if (seen === line) {
          clearTimeout(timer)
          this.#lineEvents.off('line', onLine)
          resolve()
        }
      }
      this.#lineEvents.on('line', onLine)
    })
  }

  /** Stops every supervisor and, as a safety net, SIGKILLs every group they ever launched. */
  async teardown(): Promise<void> {
    await Promise.allSettled(this.#supervisors.map((s) => s.stop()))
    for (const pid of this.#supervisors.flatMap((s) => s.launchedPids())) {
      signalGroup(pid, 'SIGKILL')
    }
  }
}

/** Launched groups that still have a live (non-zombie) process. See proc-scan.ts on zombies. */
export function liveGroups(supervisor: LocalSupervisor): number[] {
  return supervisor.launchedPids().filter(groupAlive)
}

/** GET over a fresh connection; resolves with status and body. */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}
