/**
 * Event ingest while the journal is being read (issue 12 §4): a recorded run posts batches of
 * 1,000 events one at a time, as `ordeal run --server` does, and the latency of each batch
 * (request until its 200, which means stored) is measured with and without 100 concurrent
 * clients reading 5,000-event pages of another run's 100,000-event journal. Baseline in the same
 * run: the same ingest with no readers. The readers run in a worker thread, so the writer's
 * clock is not delayed by this process parsing their answers.
 * Usage: `npm run build && node --import tsx bench/ingest-under-reads.ts [batches=200] [readers=100]`
 */
import { Worker } from 'node:worker_threads'
import { startChaosCenter, apiFetch, type ChaosCenter } from '../test/support/chaos-center.js'
import { syntheticJournal } from './support/synthetic-journal.js'
import { finishRun, machine, postEvents, registerRun } from './support/center.js'

const batches = Number(process.argv[2] ?? 200)
const readers = Number(process.argv[3] ?? 100)
const BATCH = 1000
const PAGE = 5000
const JOURNAL = 100_000

/** The readers: each fetches random 5,000-event pages, back to back, until told to stop. */
const READERS = `
const { parentPort, workerData } = require('node:worker_threads')
const { url, token, runId, readers, last, page } = workerData
let stop = false
let pages = 0
let failures = 0
parentPort.on('message', () => { stop = true })
async function reader() {
  while (!stop) {
    const after = Math.floor(Math.random() * (last - page)) - 1
    try {
      const res = await fetch(url + '/api/runs/' + runId + '/events?after=' + after + '&limit=' + page, {
        headers: { authorization: 'Bearer ' + token },
      })
      await res.arrayBuffer()
      if (res.status === 200) pages++; else failures++
    } catch { failures++ }
  }
}
Promise.all(Array.from({ length: readers }, reader)).then(() =>
  parentPort.postMessage({ pages, failures }))
`

async function ingest(center: ChaosCenter, label: string): Promise<number[]> {
  const runId = `ingest-${label}-${Date.now()}`
  await registerRun(center, runId)
  const events = syntheticJournal({ runId, experiment: 'process-kill', events: batches * BATCH })
  const latencies: number[] = []
  for (let i = 0; i < events.length; i += BATCH) {
    const t0 = performance.now()
    const res = await apiFetch(center.url, `/api/runs/${runId}/events`, {
      token: center.ownerToken,
      method: 'POST',
      body: { events: events.slice(i, i + BATCH) },
    })
    latencies.push(performance.now() - t0)
    if (res.status !== 200) {
      throw new Error(`events: ${res.status} ${res.text}`)
    }
  }
  await finishRun(center, runId)
  return latencies
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN
}

const center = await startChaosCenter()
try {
  // The journal the readers page through: a finished run of 100,000 events.
  const readRun = `read-${Date.now()}`
  await registerRun(center, readRun)
  const journal = syntheticJournal({ runId: readRun, experiment: 'process-kill', events: JOURNAL })
  await postEvents(center, readRun, journal, PAGE)
  await finishRun(center, readRun)

  const baseline = await ingest(center, 'alone')
  const worker = new Worker(READERS, {
    eval: true,
    workerData: {
      url: center.url,
      token: center.ownerToken,
      runId: readRun,
      readers,
      last: journal.length,
      page: PAGE,
    },
  })
  const readDone = new Promise<{ pages: number; failures: number }>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  // Let every reader have a request in flight before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const t0 = performance.now()
  const loaded = await ingest(center, 'read-load')
  const seconds = (performance.now() - t0) / 1000
  worker.postMessage('stop')
  const read = await readDone
  await worker.terminate()

  const ms = (x: number) => `${Math.round(x)} ms`
  const line = (name: string, xs: number[]) => {
    const p50 = percentile(xs, 50)
    const p99 = percentile(xs, 99)
    const ratio = (x: number, base: number) => `${(x / base).toFixed(1)}×`
    return `| ${name} | ${ms(p50)} (${ratio(p50, percentile(baseline, 50))}) | ${ms(p99)} (${ratio(p99, percentile(baseline, 99))}) |`
  }
  console.log(`# ingest under read load, ${new Date().toISOString()}, ${machine()}`)
  console.log(
    `${batches} batches of ${BATCH} events, one at a time; ${readers} readers of ${PAGE}-event pages of a ${JOURNAL.toLocaleString('en-US')}-event journal`
  )
  console.log('| ingest batch latency | p50 (vs baseline) | p99 (vs baseline) |')
  console.log('| --- | --- | --- |')
  console.log(line('no readers (baseline)', baseline))
  console.log(line(`${readers} readers`, loaded))
  console.log(
    `readers: ${read.pages} pages (${Math.round(read.pages / seconds)}/s, ${Math.round((read.pages * PAGE) / seconds).toLocaleString('en-US')} events/s) during the loaded ingest, ${read.failures} failures`
  )
} finally {
  await center.dispose()
}
