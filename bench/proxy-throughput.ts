/**
 * Benchmark: ordeal's TCP proxy (no toxics) against direct loopback and socat relaying the same
 * traffic, in one run so the results are ratios on the same machine: 1 GB through one
 * connection, 1 GB over 64 parallel connections, and the latency added at 1,000 req/s.
 * The proxy runs in its own process, as `ordeal proxy` does; client and sink share this one.
 *
 * Run: node --import tsx bench/proxy-throughput.ts [megabytes=1024]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { startProxyServer } from '../src/proxy/server.js'

if (process.argv[2] === 'serve') {
  // Child mode: an API on a random port; the parent creates proxies through it.
  const server = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 1n })
  process.stdout.write(`${server.url}\n`)
  process.on('SIGTERM', () => void server.close())
} else {
  await main()
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as net.AddressInfo).port
}

async function main(): Promise<void> {
  const totalBytes = Number(process.argv[3] ?? process.argv[2] ?? 1024) * 1024 * 1024
  let received = 0
  let onReceived: () => void = () => undefined
  const sink = net.createServer((s) =>
    s.on('data', (d: Buffer) => {
      received += d.length
      onReceived()
    })
  )
  const echo = net.createServer((s) => s.setNoDelay(true).pipe(s))
  const sinkPort = await listen(sink)
  const echoPort = await listen(echo)

  const children: ChildProcess[] = []
  const self = fileURLToPath(import.meta.url)
  const proxyChild = spawn(process.execPath, ['--import', 'tsx', self, 'serve'])
  children.push(proxyChild)
  const [line] = (await once(proxyChild.stdout!, 'data')) as [Buffer]
  const apiUrl = line.toString().trim()
  const createProxy = async (name: string, upstream: number) => {
    const res = await fetch(`${apiUrl}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstream}` }),
    })
    return Number(((await res.json()) as { listen: string }).listen.split(':')[1])
  }
  const freePort = async () => {
    const s = net.createServer()
    const p = await listen(s)
    await new Promise((r) => s.close(r))
    return p
  }
  const socatOn = async (upstream: number) => {
    const port = await freePort()
    const child = spawn('socat', [
      `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,backlog=256`,
      `TCP:127.0.0.1:${upstream}`,
    ])
    children.push(child)
    for (let i = 0; i < 50; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = net
          .connect(port, '127.0.0.1', () => resolve(true))
          .on('error', () => resolve(false))
        probe.on('connect', () => probe.destroy())
      })
      if (ok) {
        return port
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error('socat did not start')
  }
  const targets = {
    direct: { sink: sinkPort, echo: echoPort },
    ordeal: {
      sink: await createProxy('sink', sinkPort),
      echo: await createProxy('echo', echoPort),
    },
    socat: { sink: await socatOn(sinkPort), echo: await socatOn(echoPort) },
  }

  const block = Buffer.alloc(64 * 1024, 'x')
  async function throughput(port: number, connections: number): Promise<number> {
    received = 0
    const per = Math.floor(totalBytes / connections / block.length) * block.length
    const expected = per * connections
    const start = performance.now()
    const done = new Promise<void>((resolve) => {
      onReceived = () => received >= expected && resolve()
    })
    const sockets = await Promise.all(
      Array.from({ length: connections }, async () => {
        const s = net.connect(port, '127.0.0.1')
        await once(s, 'connect')
        return s
      })
    )
    await Promise.all(
      sockets.map(async (s) => {
        for (let sent = 0; sent < per; sent += block.length) {
          if (!s.write(block)) {
            await once(s, 'drain')
          }
        }
      })
    )
    await done
    const seconds = (performance.now() - start) / 1000
    sockets.forEach((s) => s.destroy())
    return expected / seconds / 1e6
  }

  async function latency(
    port: number,
    rate = 1000,
    seconds = 5
  ): Promise<{ p50: number; p99: number }> {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true })
    await once(s, 'connect')
    const samples: number[] = []
    const payload = Buffer.alloc(64, 'p')
    let pending: (() => void) | undefined
    let got = 0
    s.on('data', (d: Buffer) => {
      got += d.length
      if (got >= payload.length) {
        got -= payload.length
        pending?.()
      }
    })
    const start = performance.now()
    for (let i = 0; i < rate * seconds; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, wait))
      }
      const t0 = process.hrtime.bigint()
      await new Promise<void>((resolve) => {
        pending = resolve
        s.write(payload)
      })
      samples.push(Number(process.hrtime.bigint() - t0) / 1000)
    }
    s.destroy()
    samples.sort((a, b) => a - b)
    const q = (p: number) => samples[Math.floor(p * (samples.length - 1))]!
    return { p50: q(0.5), p99: q(0.99) }
  }

  const mb = totalBytes / 1024 / 1024
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}`
  )
  const rows: string[] = []
  for (const connections of [1, 64]) {
    const r: Record<string, number> = {}
    for (const [name, t] of Object.entries(targets)) {
      console.error(`throughput ${name} ${connections}`)
      r[name] = await throughput(t.sink, connections)
    }
    rows.push(
      `| ${mb} MiB, ${connections} conn | ${r['direct']!.toFixed(0)} MB/s | ${r['ordeal']!.toFixed(0)} MB/s (${(r['ordeal']! / r['direct']!).toFixed(2)}× direct, ${(r['ordeal']! / r['socat']!).toFixed(2)}× socat) | ${r['socat']!.toFixed(0)} MB/s (${(r['socat']! / r['direct']!).toFixed(2)}× direct) |`
    )
  }
  const lat: Record<string, { p50: number; p99: number }> = {}
  for (const [name, t] of Object.entries(targets)) {
    lat[name] = await latency(t.echo)
  }
  const d = lat['direct']!
  const fmt = (x: { p50: number; p99: number }) =>
    `p50 ${x.p50.toFixed(0)} µs, p99 ${x.p99.toFixed(0)} µs (added p50 ${(x.p50 - d.p50).toFixed(0)} µs, p99 ${(x.p99 - d.p99).toFixed(0)} µs)`
  rows.push(
    `| 64 B echo at 1,000 req/s, 5 s | p50 ${d.p50.toFixed(0)} µs, p99 ${d.p99.toFixed(0)} µs | ${fmt(lat['ordeal']!)} | ${fmt(lat['socat']!)} |`
  )
  console.log('| workload | direct loopback | ordeal proxy | socat |')
  console.log('|---|---|---|---|')
  rows.forEach((r) => console.log(r))
  for (const child of children) {
    child.kill('SIGTERM')
  }
  sink.close()
  echo.close()
  process.exitCode = 0
}
