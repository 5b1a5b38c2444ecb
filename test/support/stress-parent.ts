/**
 * A stand-in for an ordeal runner that dies mid-fault: it injects cpu-stress with a long
 * deadline, prints `{ pids, ledgerFile, stateDir, baseDir }` as one JSON line, then idles until
 * the test SIGKILLs it. Its workers must then end by themselves.
 *
 *   node --import tsx test/support/stress-parent.ts
 * @module
 */
import { cpuStressFault } from '../../src/faults/cpu-stress/index.js'
import { FaultHarness } from './fault-context.js'

const h = await FaultHarness.create()
const ctx = h.context({ type: 'cpu-stress', workers: 2, load: 20, duration: '10m' })
await cpuStressFault.inject(ctx)
const pids = h.ledger.pending().map((e) => (e.undo.kind === 'terminate' ? e.undo.pid : -1))
process.stdout.write(
  `${JSON.stringify({ pids, ledgerFile: h.ledger.file, stateDir: h.stateDir, baseDir: h.baseDir })}\n`
)
setInterval(() => {}, 1000)
