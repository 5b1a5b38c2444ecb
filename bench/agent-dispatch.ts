/**
 * Dispatch latency of a run placed on a remote agent (issue 14, "Performance"): the time from
 * sending `POST /api/runs` to the run's first journal event (seq 0) on its SSE stream. The
 * agent runs in its own network namespace (test/support/fleet.ts) with its run process
 * prewarmed; the baseline, measured in the same process and interleaved run by run, is the
 * server's embedded agent (also prewarmed). For reference: `ordeal run` from spawn to its first
 * `--journal` line. Aim: < 100 ms added p99.
 * Usage: `npm run build && node --import tsx bench/agent-dispatch.ts [runs=200] [cliRuns=20]`
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Experiment } from '../src/shared/api.js'
import { apiFetch } from '../test/support/chaos-center.js'
import { cliPath } from '../test/support/cli.js'
import { createFleet } from '../test/support/fleet.js'
import { machine } from './support/center.js'
import { dispatchOnce, DISPATCH_YAML as YAML, quantile } from './support/dispatch.js'

const runs = Number(process.argv[2] ?? 200)
const cliRuns = Number(process.argv[3] ?? 20)

/** `ordeal run` on this machine: spawn to the first line of its `--journal` file. */
async function cliOnce(dir: string): Promise<number> {
  const file = path.join(dir, 'dispatch.yaml')
  const journal = path.join(dir, 'dispatch.ndjson')
  rmSync(journal, { force: true })
  const t0 = performance.now()
  const child = spawn(process.execPath, [cliPath, 'run', file, '--journal', journal], {
    env: { ...process.env, ORDEAL_STATE_DIR: path.join(dir, 'state'), NO_COLOR: '1' },
    stdio: 'ignore',
  })
  let first = NaN
  while (child.exitCode === null && child.signalCode === null) {
    if (
      Number.isNaN(first) &&
      existsSync(journal) &&
      readFileSync(journal, 'utf8').includes('\n')
    ) {
      first = performance.now() - t0
    }
    await new Promise((r) => setTimeout(r, 1))
  }
  return first
}

async function main(): Promise<void> {
  const fleet = await createFleet({
    hosts: ['a'],
    serverArgs: ['--agent-heartbeat', '5s', '--rate-limit', 'write=100000'],
  })
  try {
    await fleet.startAgent('a')
    const created = await apiFetch<Experiment>(fleet.serverUrl, '/api/experiments', {
      token: fleet.center.ownerToken,
      method: 'POST',
      body: { yaml: YAML },
    })
    if (created.status !== 201) {
      throw new Error(`POST /api/experiments: ${created.status} ${created.text}`)
    }
    const id = created.json.id
    // Warm-up: both paths load the engine once before anything is timed.
    await dispatchOnce(fleet, id, 'a')
    await dispatchOnce(fleet, id)
    const agent: number[] = []
    const embedded: number[] = []
    for (let i = 0; i < runs; i++) {
      agent.push(await dispatchOnce(fleet, id, 'a'))
      embedded.push(await dispatchOnce(fleet, id))
    }
    writeFileSync(path.join(fleet.dir, 'dispatch.yaml'), YAML)
    const cli: number[] = []
    for (let i = 0; i < cliRuns; i++) {
      cli.push(await cliOnce(fleet.dir))
    }
    const ms = (x: number) => `${x.toFixed(1)} ms`
    console.log(`machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}`)
    console.log('| path | runs | p50 | p99 | max |')
    console.log('|---|---|---|---|---|')
    for (const [name, xs] of [
      ['agent (netns, prewarmed)', agent],
      ['embedded agent (baseline)', embedded],
      ['`ordeal run` spawn → first journal line', cli],
    ] as const) {
      console.log(
        `| ${name} | ${xs.length} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.99))} | ${ms(Math.max(...xs))} |`
      )
    }
    const added = quantile(agent, 0.99) - quantile(embedded, 0.99)
    console.log(`added p99: ${ms(added)} (aim < 100 ms): ${added < 100 ? 'met' : 'NOT met'}`)
  } finally {
    await fleet.close()
  }
}

await main()
