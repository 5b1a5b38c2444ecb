/**
 * One Chaos Center holding 500 connected agents (issue 14, "Performance"): 500 lightweight
 * agent connections from 5 processes × 100 (bench/support/light-agents.ts: the agent protocol
 * over `ws`, pongs to every ping, runs rejected) plus one real `ordeal agent` in its own
 * network namespace, heartbeat 5 s. Measured: the server's VmRSS and CPU from /proc over 60 s
 * with heartbeats flowing (baseline: 15 s of the same server with the one real agent, before
 * the 500 connect); dispatch p50/p99 to the real agent with all 500 connected, interleaved with
 * the embedded agent's (baseline); and the
 * reconnect storm: the server killed with SIGKILL and restarted on the same data and port, time
 * until the server counts every agent connected again (aim < 30 s).
 * Usage: `npm run build && node --import tsx bench/agent-fleet.ts [agents=500] [processes=5] [seconds=60]`
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CreatedToken, Experiment, Health } from '../src/shared/api.js'
import { apiFetch } from '../test/support/chaos-center.js'
import { createFleet, type Fleet } from '../test/support/fleet.js'
import { machine } from './support/center.js'
import { dispatchOnce, DISPATCH_YAML, quantile } from './support/dispatch.js'
import type { LightAgentToken } from './support/light-agents.js'

const agents = Number(process.argv[2] ?? 500)
const processes = Number(process.argv[3] ?? 5)
const seconds = Number(process.argv[4] ?? 60)
const kDispatchRuns = 50
const baselineSeconds = 15
const here = path.dirname(fileURLToPath(import.meta.url))

async function connectedAgents(fleet: Fleet): Promise<number> {
  try {
    const r = await apiFetch<Health>(fleet.serverUrl, '/api/health')
    return r.status === 200 ? r.json.connectedAgents : -1
  } catch {
    return -1 // the server is down or starting
  }
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = performance.now()
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return performance.now() - t0
}

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, 100 Hz ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

interface Sample {
  rss: number[]
  cpuPct: number
}

/** The server's VmRSS every second and its CPU share over `secs` seconds. */
async function sample(pid: number, secs: number): Promise<Sample> {
  const cpu0 = cpuSeconds(pid)
  const w0 = performance.now()
  const rss: number[] = []
  while (performance.now() - w0 < secs * 1000) {
    rss.push(rssMiB(pid))
    await new Promise((r) => setTimeout(r, 1000))
  }
  return { rss, cpuPct: ((cpuSeconds(pid) - cpu0) / ((performance.now() - w0) / 1000)) * 100 }
}

async function mintTokens(fleet: Fleet): Promise<LightAgentToken[]> {
  const tokens: LightAgentToken[] = []
  for (let i = 0; i < agents; i++) {
    const name = `light-${i}`
    const r = await apiFetch<CreatedToken>(fleet.serverUrl, '/api/tokens', {
      token: fleet.center.ownerToken,
      method: 'POST',
      body: { name, role: 'agent' },
    })
    if (r.status !== 201) {
      throw new Error(`POST /api/tokens ${name}: ${r.status} ${r.text}`)
    }
    tokens.push({ name, secret: r.json.secret })
  }
  return tokens
}

async function main(): Promise<void> {
  const fleet = await createFleet({
    hosts: ['a'],
    serverArgs: ['--agent-heartbeat', '5s', '--rate-limit', 'write=100000'],
  })
  const children: ChildProcess[] = []
  try {
    // Two slots although runs go one at a time: the server sees a run end (its `run.ended`
    // stored) before the agent's run process has exited, and a 1-slot agent then rejects the
    // next run as "agent busy" (a product race, reported in issue 14's fix round).
    await fleet.startAgent('a', { args: ['--max-runs', '2'] })
    const tokens = await mintTokens(fleet)
    const pid = fleet.center.child.pid!
    // The baseline: the same server with one agent, before the 500 connect.
    const idle = await sample(pid, baselineSeconds)
    const per = Math.ceil(tokens.length / processes)
    const t0 = performance.now()
    for (let p = 0; p < processes; p++) {
      const file = path.join(fleet.dir, `light-${p}.json`)
      writeFileSync(file, JSON.stringify(tokens.slice(p * per, (p + 1) * per)), { mode: 0o600 })
      children.push(
        fork(path.join(here, 'support/light-agents.ts'), [fleet.serverUrl, file], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        })
      )
    }
    const everyone = agents + 1
    await until(
      'every agent connected',
      async () => (await connectedAgents(fleet)) >= everyone,
      120_000
    )
    const connectMs = performance.now() - t0

    const held = await sample(pid, seconds)

    const created = await apiFetch<Experiment>(fleet.serverUrl, '/api/experiments', {
      token: fleet.center.ownerToken,
      method: 'POST',
      body: { yaml: DISPATCH_YAML },
    })
    if (created.status !== 201) {
      throw new Error(`POST /api/experiments: ${created.status} ${created.text}`)
    }
    await dispatchOnce(fleet, created.json.id, 'a') // warm-up
    await dispatchOnce(fleet, created.json.id)
    // Interleaved with the embedded agent, the baseline under the same 500 connections.
    const dispatch: number[] = []
    const embedded: number[] = []
    for (let i = 0; i < kDispatchRuns; i++) {
      dispatch.push(await dispatchOnce(fleet, created.json.id, 'a'))
      embedded.push(await dispatchOnce(fleet, created.json.id))
    }

    // The storm: SIGKILL the server, start it again on the same data and port.
    await fleet.center.kill9()
    const killedAt = performance.now()
    await fleet.center.restart()
    const upAt = performance.now()
    await until('every agent back', async () => (await connectedAgents(fleet)) >= everyone, 120_000)
    const backAt = performance.now()

    const ms = (x: number) => `${x.toFixed(0)} ms`
    console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
    console.log(
      `| measure (${agents} light agents in ${processes} processes + 1 real, heartbeat 5 s) | value |`
    )
    console.log('|---|---|')
    console.log(`| all connected from a cold start | ${ms(connectMs)} |`)
    for (const [label, x, secs] of [
      ['1 agent (baseline)', idle, baselineSeconds],
      [`${everyone} agents`, held, seconds],
    ] as const) {
      console.log(
        `| server VmRSS over ${secs} s with ${label} (min / max) | ${Math.min(...x.rss).toFixed(0)} / ${Math.max(...x.rss).toFixed(0)} MiB |`
      )
      console.log(
        `| server CPU over ${secs} s with ${label} | ${x.cpuPct.toFixed(1)} % of one core |`
      )
    }
    console.log(
      `| dispatch to the real agent, p50 / p99 (${kDispatchRuns} runs) | ${ms(quantile(dispatch, 0.5))} / ${ms(quantile(dispatch, 0.99))} |`
    )
    console.log(
      `| dispatch to the embedded agent (baseline), p50 / p99 (${kDispatchRuns} runs) | ${ms(quantile(embedded, 0.5))} / ${ms(quantile(embedded, 0.99))} |`
    )
    console.log(
      `| reconnect storm: server restart (kill -9 → URL printed) | ${ms(upAt - killedAt)} |`
    )
    console.log(
      `| reconnect storm: URL printed → all ${everyone} connected | ${ms(backAt - upAt)} |`
    )
    const storm = backAt - killedAt
    console.log(
      `| reconnect storm: kill -9 → all connected (aim < 30 s) | ${ms(storm)} ${storm < 30_000 ? 'met' : 'NOT met'} |`
    )
  } finally {
    for (const child of children) {
      child.kill('SIGKILL')
    }
    await fleet.close()
  }
}

await main()
