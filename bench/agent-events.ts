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
  /** `op` events stored per second, between the observer's first and last `ops` count. */
  eps: number
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
  const first = ops[0]
  const last = ops.at(-1)
  if (first === undefined || last === undefined || last.data.count <= first.data.count) {
    throw new Error(`run ${run.id}: the stream counted no op events (${ops.length} ops messages)`)
  }
  const eps =
    (last.data.count - first.data.count) / ((seenAt.get(last)! - seenAt.get(first)!) / 1000)
  const endedBatch = stream.messages.find(
    (m) => m.event === 'journal' && m.data.some((e) => e.type === 'run.ended')
  )
  const ended = endedBatch?.event === 'journal' ? endedBatch.data.at(-1)! : undefined
  return {
    eps,
    stored: (ended?.seq ?? NaN) + 1,
    lagMs: seenAt.get(endedBatch!)! - (ended?.t ?? NaN),
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
    const eps = (xs: Measured[]) => median(xs.map((x) => x.eps))
    const lag = (xs: Measured[]) => median(xs.map((x) => x.lagMs))
    const total = (xs: Measured[]) => median(xs.map((x) => x.stored))
    const f = (x: number) => `${Math.round(x).toLocaleString('en')} events/s`
    console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
    console.log(
      `| path (load ${rate} req/s for ${seconds} s, median of ${repeats}) | op events stored | events in the journal | run.ended stored after |`
    )
    console.log('|---|---|---|---|')
    for (const [label, xs] of [
      ['through an agent (netns, WebSocket)', agent],
      ['`ordeal run --server` (baseline)', recorded],
    ] as const) {
      console.log(`| ${label} | ${f(eps(xs))} | ${total(xs)} | ${lag(xs)} ms |`)
    }
    console.log(`ratio agent / baseline: ${(eps(agent) / eps(recorded)).toFixed(2)}`)
  } finally {
    await fleet.close()
  }
}

await main()
