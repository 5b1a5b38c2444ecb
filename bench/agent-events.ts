/**
 * Event streaming from an agent (issue 14, "Performance"): events stored per second for a run
 * whose load step fills the journal with `op` events (an invoke and a completion per request), placed on an agent in its own network
 * namespace (`ordeal run --agent`, the events travel as `events` frames over the agent's
 * WebSocket) against the same manifest recorded by a local `ordeal run --server` (HTTP event
 * batches), the baseline. Both are observed the same way: an SSE reader on the run's stream,
 * from its first journal event to `run.ended`.
 * Usage: `npm run build && node --import tsx bench/agent-events.ts [rate=2000] [seconds=10] [repeats=3]`
 */
import { spawn } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { RunSummary, StreamMessage } from '../src/shared/api.js'
import { apiFetch } from '../test/support/chaos-center.js'
import { cliPath } from '../test/support/cli.js'
import { createFleet, type Fleet } from '../test/support/fleet.js'
import { openStream } from '../test/support/sse.js'
import { machine, median } from './support/center.js'

const rate = Number(process.argv[2] ?? 2000)
const seconds = Number(process.argv[3] ?? 10)
const repeats = Number(process.argv[4] ?? 3)

const SVC = `#!/usr/bin/env node
import http from 'node:http'
http.createServer((_q, r) => r.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the service answers under load
  system:
    services:
      - name: svc
        command: ./svc.mjs
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { tcp: '127.0.0.1:{{ports.http}}', timeout: 10s }
  steps:
    - load:
        url: 'http://127.0.0.1:{{services.svc.ports.http}}/'
        rate: ${rate}
        duration: ${seconds}s
`
}

/** The newest run of the experiment `name` (the CLI creates it), once it exists. */
async function runNamed(fleet: Fleet, name: string): Promise<RunSummary> {
  for (;;) {
    const r = await apiFetch<RunSummary[]>(fleet.serverUrl, '/api/runs?limit=50', {
      token: fleet.center.ownerToken,
    })
    const run = r.json?.find((x) => x.experimentName === name)
    if (run) {
      return run
    }
    await new Promise((res) => setTimeout(res, 20))
  }
}

interface Measured {
  /** `op` events the load step produced per second (its count over its own duration). */
  produced: number
  /** `op` events stored per second: the count from `load.started` to the last `ops` count seen. */
  eps: number
  /** How long after `load.ended` the observer saw the last op stored. */
  catchUpMs: number
  /** Events in the journal (run.ended's seq + 1). */
  stored: number
  /** How long after the run wrote `run.ended` the observer saw it stored. */
  lagMs: number
}

/** Runs the CLI with `args`; what an SSE observer of the run sees stored. */
async function measure(fleet: Fleet, name: string, args: string[]): Promise<Measured> {
  const child = spawn(process.execPath, [cliPath, 'run', ...args], {
    env: { ...process.env, NO_COLOR: '1', ORDEAL_STATE_DIR: path.join(fleet.dir, 'cli-state') },
    stdio: 'ignore',
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const run = await runNamed(fleet, name)
  const stream = await openStream(
    `${fleet.serverUrl}/api/runs/${run.id}/stream?after=-1`,
    fleet.center.ownerToken
  )
  // The reader calls the predicate for its messages whenever one arrives: stamp each the first
  // time it is seen (wall clock, to compare with the events' own `t`).
  const seenAt = new Map<StreamMessage, number>()
  try {
    await stream.waitFor(
      (m) => {
        if (!seenAt.has(m)) {
          seenAt.set(m, Date.now())
        }
        return m.event === 'journal' && m.data.some((e) => e.type === 'run.ended')
      },
      'run.ended',
      (seconds + 120) * 1000
    )
  } finally {
    await stream.cancel()
  }
  const code = await exited
  if (code !== 0) {
    throw new Error(`ordeal run ${args.join(' ')} exited ${code}`)
  }
  // The stream leaves `op` events out of its journal batches (the run page shows them as a
  // count): the recorder's `ops` messages carry the number stored so far, at most a few a second.
  const ops = stream.messages.flatMap((m) => (m.event === 'ops' ? [m] : []))
  const last = ops.at(-1)
  const events = stream.messages.flatMap((m) => (m.event === 'journal' ? m.data : []))
  const loadStarted = events.find((e) => e.type === 'load.started')
  const loadEnded = events.find((e) => e.type === 'load.ended')
  const ended = events.find((e) => e.type === 'run.ended')
  if (!last || !loadStarted || !loadEnded || !ended) {
    throw new Error(`run ${run.id}: no ops count, load.started, load.ended or run.ended seen`)
  }
  // The events' `t` is the run's wall clock: the agent's host is a namespace on this machine.
  const lastOpAt = seenAt.get(last)!
  const endedBatch = stream.messages.find((m) => m.event === 'journal' && m.data.includes(ended))!
  return {
    produced: last.data.count / ((loadEnded.t - loadStarted.t) / 1000),
    eps: last.data.count / ((lastOpAt - loadStarted.t) / 1000),
    catchUpMs: lastOpAt - loadEnded.t,
    stored: ended.seq + 1,
    lagMs: seenAt.get(endedBatch)! - ended.t,
  }
}

async function main(): Promise<void> {
  const fleet = await createFleet({
    hosts: ['a'],
    serverArgs: ['--agent-heartbeat', '5s', '--rate-limit', 'write=100000'],
  })
  try {
    await fleet.startAgent('a')
    const editor = (await fleet.token('bench', 'editor')).file
    writeFileSync(path.join(fleet.dir, 'svc.mjs'), SVC)
    chmodSync(path.join(fleet.dir, 'svc.mjs'), 0o755)
    const agent: Measured[] = []
    const recorded: Measured[] = []
    for (let i = 0; i < repeats; i++) {
      for (const placed of [true, false]) {
        const name = `events-${placed ? 'agent' : 'recorded'}-${i}`
        const file = path.join(fleet.dir, `${name}.yaml`)
        writeFileSync(file, manifest(name))
        const common = [file, '--server', fleet.serverUrl, '--token-file', editor]
        const m = await measure(fleet, name, placed ? [...common, '--agent', 'a'] : common)
        ;(placed ? agent : recorded).push(m)
      }
    }
    const med = (xs: Measured[], k: keyof Measured) => median(xs.map((x) => x[k]))
    const f = (x: number) => Math.round(x).toLocaleString('en')
    console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
    console.log(
      `| path (load ${rate} req/s for ${seconds} s, median of ${repeats}) | op events produced/s | op events stored/s | last op stored after load.ended | events in the journal | run.ended stored after |`
    )
    console.log('|---|---|---|---|---|---|')
    for (const [label, xs] of [
      ['through an agent (netns, WebSocket)', agent],
      ['`ordeal run --server` (baseline)', recorded],
    ] as const) {
      console.log(
        `| ${label} | ${f(med(xs, 'produced'))} | ${f(med(xs, 'eps'))} | ${f(med(xs, 'catchUpMs'))} ms | ${f(med(xs, 'stored'))} | ${f(med(xs, 'lagMs'))} ms |`
      )
    }
    console.log(
      `ratio of stored/s agent / baseline: ${(med(agent, 'eps') / med(recorded, 'eps')).toFixed(2)}`
    )
  } finally {
    await fleet.close()
  }
}

await main()
