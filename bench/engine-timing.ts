/**
 * Benchmark: fault activation lag (scheduled → signal delivered) and probe scheduling jitter,
 * each over 1,000 events, against a baseline measured in the same run (a bare setTimeout +
 * process.kill, and a bare connect + sleep loop), so results are ratios on a noisy machine.
 *
 * Run: npm run build && node --import tsx bench/engine-timing.ts [events]
 */
import net from 'node:net'
import os from 'node:os'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { resolve } from '../src/experiment/define.js'
import { startRun } from '../src/engine/runner.js'
import { sleep } from '../src/shared/duration.js'

const events = Number(process.argv[2] ?? 1000)
const now = () => performance.timeOrigin + performance.now()
const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-'))
process.env['ORDEAL_STATE_DIR'] = path.join(dir, 'state')

// The target records when each SIGUSR2 arrives, on the same clock as ours.
writeFileSync(
  path.join(dir, 'target.cjs'),
  `process.on('SIGUSR2', () => console.log('got ' + (performance.timeOrigin + performance.now())))
// Listening doubles as readiness: the handler is installed before the port opens.
require('node:net').createServer().listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('ready'))
`
)

function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return { n: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN }
}

async function faultLag(): Promise<number[]> {
  const afterMs = 5
  const experiment = resolve(
    {
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: { name: 'bench-fault-lag' },
      spec: {
        hypothesis: 'signals arrive on time',
        deadline: '30m',
        system: {
          services: [
            {
              name: 'target',
              command: process.execPath,
              args: ['target.cjs'],
              env: { PORT: '{{ports.p}}' },
              ports: { p: 0 },
              readiness: { tcp: '{{ports.p}}' },
              restart: 'never',
            },
          ],
        },
        steps: Array.from({ length: events }, (_, i) => ({
          name: `kill-${i}`,
          fault: {
            type: 'process-kill' as const,
            target: { service: 'target', mode: 'all' as const },
            signal: 'SIGUSR2',
            after: `${afterMs}ms`,
            duration: '1ms',
          },
        })),
      },
    },
    { baseDir: dir }
  )
  const scheduled: number[] = []
  const arrived: number[] = []
  const run = startRun(experiment, {
    onEvent: (e) => {
      if (e.type === 'step.started' && e.stepId !== 'run') {
        scheduled.push(now() + afterMs)
      }
    },
    onLog: (line) => {
      const m = /got ([\d.]+)/.exec(line)
      if (m) {
        arrived.push(Number(m[1]))
      }
    },
  })
  const result = await run.result
  if (result.verdict !== 'pass') {
    throw new Error(`bench run failed: ${result.reason}`)
  }
  await sleep(200) // the last log lines travel through a pipe
  return arrived.map((t, i) => t - scheduled[i]!)
}

async function baselineLag(): Promise<number[]> {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [path.join(dir, 'target.cjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const arrived: number[] = []
  let buffer = ''
  await new Promise<void>((ready) =>
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      for (const m of buffer.matchAll(/got ([\d.]+)\n/g)) {
        arrived.push(Number(m[1]))
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
      ready()
    })
  )
  const scheduled: number[] = []
  for (let i = 0; i < events; i++) {
    scheduled.push(now() + 5)
    await sleep(5)
    child.kill('SIGUSR2')
    await sleep(1)
  }
  await sleep(200)
  child.kill('SIGKILL')
  return arrived.map((t, i) => t - scheduled[i]!)
}

async function withListener<T>(fn: (port: number, accepts: number[]) => Promise<T>): Promise<T> {
  const accepts: number[] = []
  const server = net.createServer((socket) => {
    accepts.push(now())
    socket.destroy()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    return await fn((server.address() as net.AddressInfo).port, accepts)
  } finally {
    server.close()
  }
}

async function probeJitter(): Promise<number[]> {
  return withListener(async (port, accepts) => {
    const polling = 10
    const experiment = resolve(
      {
        apiVersion: 'ordeal.dev/v1',
        kind: 'Experiment',
        metadata: { name: 'bench-probe-jitter' },
        spec: {
          hypothesis: 'probes run on schedule',
          steps: [
            {
              wait: `${Math.ceil((events * (polling + 1.5)) / 1000)}s`,
              probes: [
                {
                  name: 'tick',
                  type: 'tcp',
                  mode: 'Continuous',
                  port,
                  runProperties: { pollingInterval: `${polling}ms` },
                },
              ],
            },
          ],
        },
      },
      { baseDir: dir }
    )
    const ends: number[] = []
    const run = startRun(experiment, {
      onEvent: (e) => e.type === 'probe.attempt' && ends.push(now()),
    })
    await run.result
    // Jitter: how late iteration k+1 connects, relative to (end of iteration k + polling).
    return ends
      .slice(0, events)
      .flatMap((end, k) =>
        accepts[k + 1] === undefined ? [] : [accepts[k + 1]! - (end + polling)]
      )
  })
}

async function baselineJitter(): Promise<number[]> {
  return withListener(async (port, accepts) => {
    const ends: number[] = []
    for (let i = 0; i <= events; i++) {
      await new Promise<void>((r) =>
        net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) {
          this.destroy()
          r()
        })
      )
      ends.push(now())
      await sleep(10)
    }
    return ends
      .slice(0, events)
      .flatMap((end, k) => (accepts[k + 1] === undefined ? [] : [accepts[k + 1]! - (end + 10)]))
  })
}

const fmt = (x: number) => x.toFixed(2)
try {
  const rows: [string, ReturnType<typeof quantiles>, ReturnType<typeof quantiles>][] = [
    ['fault activation lag (ms)', quantiles(await faultLag()), quantiles(await baselineLag())],
    [
      'probe scheduling jitter (ms)',
      quantiles(await probeJitter()),
      quantiles(await baselineJitter()),
    ],
  ]
  console.log(
    `\n${new Date().toISOString()} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · node ${process.version}`
  )
  console.log(
    '| measure | events | ordeal p50 | ordeal p99 | ordeal max | baseline p50 | baseline p99 | p99 ratio |'
  )
  console.log('|---|---|---|---|---|---|---|---|')
  for (const [name, o, b] of rows) {
    console.log(
      `| ${name} | ${o.n} | ${fmt(o.p50)} | ${fmt(o.p99)} | ${fmt(o.max)} | ${fmt(b.p50)} | ${fmt(b.p99)} | ${fmt(o.p99 / b.p99)} |`
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
