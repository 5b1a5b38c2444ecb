/**
 * Entry of a generator worker thread (see `workers.ts`): runs its share of the schedule and
 * streams history ops and per-second reports to the main thread.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { OpBatchBuilder } from './op-batch.js'
import { encodeReport } from './seconds.js'
import { SliceRunner } from './slice.js'
import type { SliceSink } from './slice.js'
import type { ToMain, ToWorker, WorkerData } from './workers.js'

// Ops go in batches: one postMessage per op would cost more than the request itself.
const kBatchSize = 256
const kBatchMs = 20

const port = parentPort
if (!port) {
  throw new Error('src/load/worker.ts runs only as a worker thread')
}
const { config, shipOps } = workerData as WorkerData
const batch = new OpBatchBuilder(kBatchSize)
let batchTimer: NodeJS.Timeout | undefined

const post = (message: ToMain) => port.postMessage(message)

function flushOps(): void {
  clearTimeout(batchTimer)
  batchTimer = undefined
  if (batch.length > 0) {
    const ops = batch.take()
    // The numbers move to the main thread without a copy.
    port!.postMessage({ type: 'ops', batch: ops } satisfies ToMain, [
      ops.numbers.buffer as ArrayBuffer,
    ])
  }
}

let runner: SliceRunner | undefined
port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    const sink: SliceSink = {
      seconds(reports) {
        flushOps()
        post({ type: 'seconds', reports: reports.map(encodeReport) })
      },
    }
    if (shipOps) {
      sink.op = (op) => {
        batch.push(op)
        if (batch.length >= kBatchSize) {
          flushOps()
        } else {
          batchTimer ??= setTimeout(flushOps, kBatchMs)
        }
      }
    }
    runner = new SliceRunner({ ...config, t0: message.t0 }, sink)
    void runner.run().then((result) => {
      flushOps()
      post({ type: 'done', result })
    })
  } else if (message.type === 'stop') {
    runner?.stop()
  }
})
post({ type: 'ready' })
