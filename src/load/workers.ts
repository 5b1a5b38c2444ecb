/**
 * Generator threads. One thread runs the schedule on the main thread; N > 1 split it across
 * worker_threads, thread w taking requests w, w + N, w + 2N, ... with its share of maxInFlight
 * and of the connections, so the merged load is the same schedule. Ops from a worker arrive
 * (in batches of columns, op-batch.ts) in the order it produced them (one MessagePort is FIFO), so every invoke reaches `onOp` before
 * its completion.
 * @module
 */
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { OpBatch } from './op-batch.js'
import type { PreparedLoad } from './prepare.js'
import type { EncodedSecondReport } from './seconds.js'
import type { SliceConfig, SliceResult } from './slice.js'

export type ToWorker = { type: 'start'; t0: number } | { type: 'stop' }
export type ToMain =
  | { type: 'ready' }
  | { type: 'ops'; batch: OpBatch }
  | { type: 'seconds'; reports: EncodedSecondReport[] }
  | { type: 'done'; result: SliceResult }

/**
 * The rate one generator thread sustains with room to spare; above it `workers: 'auto'` adds
 * threads. Measured on the project machine (2 cores, Node 20, a hello-world server pinned to the
 * other core): ordeal's HTTP/1.1 client costs ~14 µs of CPU per request in a closed loop
 * (bench/load-clients.ts; node:http cost ~41 µs, which capped a thread near 12,000 req/s), so one
 * thread could send ~70,000 req/s; 30,000 leaves room for the open model's timers and GC. Extra
 * threads only help when the system under test is elsewhere: on a 2-core box shared with the
 * server, a second generator thread takes the server's core.
 */
export const SINGLE_THREAD_RATE = 30_000

/** Threads for `workers`: 'auto' stays on the main thread until the peak rate needs more. */
export function planThreads(
  workers: number | 'auto',
  peakRate: number,
  maxInFlight: number
): number {
  const cores = availableParallelism()
  const wanted =
    workers === 'auto' ? Math.min(cores, Math.ceil(peakRate / SINGLE_THREAD_RATE)) : workers
  // A thread without a single in-flight slot could only drop its requests.
  return Math.max(1, Math.min(wanted, maxInFlight))
}

/** Thread w's share of `total` (shares differ by at most one). */
export function share(total: number, threads: number, w: number): number {
  return Math.floor(total / threads) + (w < total % threads ? 1 : 0)
}

/** Slice configs for `threads` threads (without t0, which is set when all are ready). */
export function sliceConfigs(load: PreparedLoad, threads: number): Omit<SliceConfig, 't0'>[] {
  let processBase = 0
  return Array.from({ length: threads }, (_, w) => {
    const maxInFlight = share(load.maxInFlight, threads, w)
    const config = {
      load,
      offset: w,
      stride: threads,
      maxInFlight,
      connections: Math.max(1, share(load.connections, threads, w)),
      processBase,
      processStride: load.maxInFlight,
    }
    processBase += maxInFlight
    return config
  })
}

const kExtension = path.extname(fileURLToPath(import.meta.url))
const kWorkerFile = fileURLToPath(new URL(`./worker${kExtension}`, import.meta.url))
const fromSource = kExtension === '.ts'

/**
 * Running from source (tests under tsx): Node 20 starts a worker's entry before the `--import
 * tsx` it inherits has registered its loader, so `.ts` fails to load. Register tsx first.
 */
function sourceBootstrap(): string {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const entry = JSON.stringify(new URL(`./worker${kExtension}`, import.meta.url).href)
  return `import(${tsx}).then((api) => { api.register(); return import(${entry}) })`
}

export interface WorkerData {
  config: Omit<SliceConfig, 't0'>
  /** Someone listens to ops (`onOp`); otherwise the worker makes none and posts none. */
  shipOps: boolean
}

export interface WorkerHandle {
  start(t0: number): void
  stop(): void
  /** Resolves with the thread's result, or rejects if it died. */
  done: Promise<SliceResult>
}

export interface WorkerEvents {
  ops(batch: OpBatch): void
  seconds(reports: EncodedSecondReport[]): void
}

/** Starts a worker and resolves once it is ready to be given t0. */
export function startWorker(
  config: Omit<SliceConfig, 't0'>,
  shipOps: boolean,
  events: WorkerEvents
): Promise<WorkerHandle> {
  const workerData: WorkerData = { config, shipOps }
  const worker = fromSource
    ? new Worker(sourceBootstrap(), { eval: true, execArgv: [], workerData })
    : new Worker(kWorkerFile, { workerData })
  let settled = false
  let resolveDone: (result: SliceResult) => void = () => undefined
  let rejectDone: (error: Error) => void = () => undefined
  const done = new Promise<SliceResult>((resolve, reject) => {
    resolveDone = resolve
    rejectDone = reject
  })
  done.catch(() => undefined) // observed by the caller; never an unhandled rejection here
  return new Promise<WorkerHandle>((resolveReady, rejectReady) => {
    const handle: WorkerHandle = {
      start: (t0) => worker.postMessage({ type: 'start', t0 } satisfies ToWorker),
      stop: () => worker.postMessage({ type: 'stop' } satisfies ToWorker),
      done,
    }
    const fail = (error: Error) => {
      if (!settled) {
        settled = true
        rejectReady(error)
        rejectDone(error)
      }
    }
    worker.on('message', (message: ToMain) => {
      switch (message.type) {
        case 'ready':
          resolveReady(handle)
          break
        case 'ops':
          events.ops(message.batch)
          break
        case 'seconds':
          events.seconds(message.reports)
          break
        case 'done':
          settled = true
          resolveDone(message.result)
          void worker.terminate()
          break
      }
    })
    worker.on('error', (error) =>
      fail(new Error(`load worker failed: ${error.message}`, { cause: error }))
    )
    worker.on('exit', (code) => fail(new Error(`load worker exited with code ${code}`)))
  })
}
