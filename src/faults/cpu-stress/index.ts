/**
 * cpu-stress: `workers` detached processes that each keep `load` percent of a core busy, like
 * Chaos Mesh's `stressors.cpu` or `stress-ng --cpu-load`, without needing stress-ng. Workers
 * stop on revert, at the fault's deadline, or when ordeal itself is gone (see stress/worker.ts).
 * @module
 */
import os from 'node:os'
import { defineFault } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { awaitExit, startStressWorker, type StressWorker } from '../stress/spawn.js'

const kReadyTimeoutMs = 15_000

export const cpuStressFault = defineFault({
  type: 'cpu-stress',
  describe(params) {
    const workers = params.workers ?? os.availableParallelism()
    return [
      `burn ${params.load ?? 100}% of a core in each of ${workers} worker process${workers === 1 ? '' : 'es'} (ordeal-stress) for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const count = ctx.params.workers ?? os.availableParallelism()
    const load = ctx.params.load ?? 100
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const workers: StressWorker[] = []
    const revert = async () => {
      await undos.revert()
      await awaitExit(workers)
    }
    try {
      // One at a time: each worker's undo is on disk before the next one exists.
      for (let i = 1; i <= count; i++) {
        const worker = await startStressWorker(undos, {
          mode: 'cpu',
          amount: load,
          deadline: ctx.deadline,
          readyTimeoutMs: kReadyTimeoutMs,
          signal: ctx.signal,
          label: `ordeal-stress cpu ${i}/${count}`,
        })
        workers.push(worker)
        ctx.action(`start ${worker.label} at ${load}% of a core`)
      }
    } catch (error) {
      await revert()
      throw error
    }
    return { targets: workers.map((w) => w.label), revert }
  },
})
