/**
 * memory-stress: one detached worker that allocates `size` bytes and writes every page, so
 * resident memory really grows (like Chaos Mesh's `stressors.memory`), and holds it until
 * revert or the deadline. Bounded so that it pressures the system without taking the machine
 * (and ordeal with it) down: at most half of physical memory, and always 256 MiB left free.
 * @module
 */
import os from 'node:os'
import { defineFault, FaultInjectionError } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { formatSize, parseSize } from '../size.js'
import { awaitExit, startStressWorker, type StressWorker } from '../stress/spawn.js'

const kKeepFree = 256 * 1024 ** 2
/** Page-touching runs at several GiB/s; allow a slow machine 1 s per 256 MiB on top of startup. */
const kReadyBaseMs = 15_000
const kReadyBytesPerMs = (256 * 1024 ** 2) / 1000

export const memoryStressFault = defineFault({
  type: 'memory-stress',
  describe(params) {
    const bytes = parseSize(params.size)
    return [
      `hold ${formatSize(bytes)} of resident memory in a worker process (ordeal-stress) for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const bytes = parseSize(ctx.params.size)
    checkBounds(bytes)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const workers: StressWorker[] = []
    const revert = async () => {
      await undos.revert()
      await awaitExit(workers)
    }
    try {
      const worker = await startStressWorker(undos, {
        mode: 'memory',
        amount: bytes,
        deadline: ctx.deadline,
        readyTimeoutMs: kReadyBaseMs + bytes / kReadyBytesPerMs,
        signal: ctx.signal,
        label: 'ordeal-stress memory',
      })
      workers.push(worker)
      ctx.action(`${worker.label} holds ${formatSize(bytes)}`)
    } catch (error) {
      await revert()
      throw error
    }
    return { targets: workers.map((w) => w.label), revert }
  },
})

/** Refuses sizes that would risk the OOM killer picking ordeal or the system under test. */
export function checkBounds(bytes: number, total = os.totalmem(), free = os.freemem()): void {
  if (bytes <= 0) {
    throw new FaultInjectionError('memory-stress size must be above 0 bytes')
  }
  if (bytes > total / 2) {
    throw new FaultInjectionError(
      `memory-stress size ${formatSize(bytes)} is above half of physical memory (${formatSize(total)}); refusing`
    )
  }
  if (bytes > free - kKeepFree) {
    throw new FaultInjectionError(
      `memory-stress size ${formatSize(bytes)} would leave less than ${formatSize(kKeepFree)} free (${formatSize(free)} available now); refusing`
    )
  }
}
