/**
 * Time to apply and to heal a network-partition across 10 hosts (two groups of 5, both ways:
 * 100 DROP rules, each with its own ledger entry), with real namespaces and iptables.
 * Run as root: `node --import tsx bench/partition.ts [rounds]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Ledger } from '../src/safety/ledger.js'
import type { Experiment } from '../src/experiment/model.js'
import type { FaultInput } from '../src/experiment/schema.js'
import type { FaultContext } from '../src/faults/contract.js'
import { networkPartitionFault } from '../src/faults/network-partition/index.js'
import { LocalNetwork } from '../src/platforms/local/network/local-network.js'

const rounds = Number(process.argv[2] ?? 30)
const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-bench-'))
const runId = `bench-${process.pid}`
const ledger = new Ledger(runId, dir)
const hosts = Array.from({ length: 10 }, (_, i) => ({ name: `h${i}`, networks: ['lan'] }))
const network = new LocalNetwork(
  { services: [], attach: [], networks: [{ name: 'lan' }], hosts },
  { runId, ledger, deadline: Date.now() + 600_000 }
)
const params: FaultInput = {
  type: 'network-partition',
  between: [hosts.slice(0, 5).map((h) => h.name), hosts.slice(5).map((h) => h.name)],
  duration: '1m',
}
const ctx = {
  runId,
  fault: { id: 'bench', type: params.type, afterMs: 0, durationMs: 60_000, params },
  params,
  baseDir: dir,
  ledger,
  deadline: Date.now() + 600_000,
  selectTargets: () => Promise.resolve([]),
  supervisor: undefined as never,
  signal: new AbortController().signal,
  action: () => {},
} as unknown as FaultContext<Extract<FaultInput, { type: 'network-partition' }>>

const t0 = performance.now()
await network.create({
  system: { hosts },
  root: { kind: 'serial', children: [] },
} as unknown as Experiment)
const createMs = performance.now() - t0
const apply: number[] = []
const heal: number[] = []
try {
  for (let i = 0; i < rounds; i++) {
    const a = performance.now()
    const injection = await networkPartitionFault.inject(ctx)
    const b = performance.now()
    await injection.revert()
    apply.push(b - a)
    heal.push(performance.now() - b)
  }
} finally {
  const r0 = performance.now()
  await network.remove()
  const removeMs = performance.now() - r0
  rmSync(dir, { recursive: true, force: true })
  const stat = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y)
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1)
    return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s.at(-1)!.toFixed(1)} ms`
  }
  console.log(`10 hosts, 100 DROP rules, ${rounds} rounds (${os.cpus().length} CPUs)`)
  console.log(`create hosts+network: ${createMs.toFixed(1)} ms; remove: ${removeMs.toFixed(1)} ms`)
  console.log(`apply partition: ${stat(apply)}`)
  console.log(`heal partition:  ${stat(heal)}`)
}
