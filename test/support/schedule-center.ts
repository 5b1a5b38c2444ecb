/**
 * A Chaos Center in this process on a ManualClock, for the scheduler's tests: start it (again,
 * on the same data directory, to test restarts), call the API as its owner, wait for what a
 * tick sets off (a real run in the embedded agent) to settle before moving the clock on.
 */
import assert from 'node:assert/strict'
import { apiFetch } from './chaos-center.js'
import type { ManualClock } from './manual-clock.js'
import type { Experiment, LoginResponse, RunSummary } from '../../src/shared/api.js'
import type { ScheduleInfo, ScheduleTick } from '../../src/shared/continuous.js'
import { startServer, type RunningServer } from '../../src/server/server.js'

export interface ScheduleCenter {
  server: RunningServer
  token: string
  logs: string[]
  call<T>(method: string, path: string, body?: unknown): ReturnType<typeof apiFetch<T>>
  create(yaml: string): Promise<Experiment>
  schedules(experimentId: string): Promise<ScheduleInfo[]>
  ticks(experimentId: string, name: string): Promise<ScheduleTick[]>
  runs(experimentId: string): Promise<RunSummary[]>
  /** Moves the clock, then waits until no tick is pending and no run is going. */
  advanceTo(to: string): Promise<void>
  /** Until no tick is pending and no run of the server is queued or running. */
  settled(): Promise<void>
  close(): Promise<void>
}

export async function scheduleCenter(
  dataDir: string,
  clock: ManualClock,
  token?: string
): Promise<ScheduleCenter> {
  const logs: string[] = []
  const server = await startServer({ dataDir, port: 0, onLog: (l) => logs.push(l), clock })
  if (token === undefined) {
    const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    token = login.json.token
  }
  const call = <T>(method: string, path: string, body?: unknown) =>
    apiFetch<T>(server.url, path, { token, method, ...(body === undefined ? {} : { body }) })
  const get = async <T>(path: string) => {
    const r = await call<T>('GET', path)
    assert.equal(r.status, 200, `${path}: ${r.text}`)
    return r.json
  }
  const settled = async () => {
    await until('ticks and runs to settle', async () => {
      const pending = await server.ctx.store.sql.query(
        "SELECT 1 FROM schedule_ticks WHERE outcome = 'pending'"
      )
      const going = await server.ctx.store.sql.query(
        "SELECT 1 FROM runs WHERE status IN ('queued', 'running')"
      )
      return pending.length === 0 && going.length === 0
    })
  }
  return {
    server,
    token,
    logs,
    call,
    async create(yaml) {
      const r = await call<Experiment>('POST', '/api/experiments', { yaml })
      assert.equal(r.status, 201, r.text)
      return r.json
    },
    schedules: (id) => get<ScheduleInfo[]>(`/api/experiments/${id}/schedules`),
    ticks: async (id, name) =>
      (await get<{ ticks: ScheduleTick[] }>(`/api/experiments/${id}/schedules/${name}/ticks`))
        .ticks,
    runs: (id) => get<RunSummary[]>(`/api/runs?experimentId=${id}&limit=200`),
    async advanceTo(to) {
      await clock.advanceTo(to)
      await settled()
    },
    settled,
    close: () => server.close(),
  }
}

/** Polls (real time) until `check` holds. */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** An experiment of one wait step with these schedules (YAML list items, 4-space indented). */
export function scheduledManifest(name: string, schedules: string, wait = '100ms'): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: Waiting holds.
  steps:
    - name: nap
      wait: ${wait}
  schedules:
${schedules}`
}
