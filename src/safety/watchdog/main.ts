/**
 * The watchdog process (safety invariant 2). Started detached by the runner, in its own
 * session, so neither Ctrl+C nor `kill -9` of the runner's process group reaches it. It holds
 * a lease: the runner writes a heartbeat line to its stdin, `h <ms since the epoch>`, stamped
 * when it was sent (same host, same clock). It undoes what the ledger lists when
 * - stdin closes without `done` (the runner died: its end of the pipe closed),
 * - no heartbeat came for `leaseMs` (the runner hung, or the machine was suspended),
 * - or an entry's own deadline passed (a fault held past its duration plus slack),
 * and it works from the ledger file alone. It exits once the runner is gone and nothing is left.
 * Its fd 3 is the run lock's descriptor (run-lock.ts), held open and never touched: while this
 * process lives, recovery tools leave the ledger to it.
 *
 *   node main.js <ledgerFile> <leaseMs>
 * @module
 */
import path from 'node:path'
import { Ledger, pendingEntries, type LedgerEntry } from '../ledger.js'
import { executeUndo } from '../undo.js'

const [ledgerFile, leaseArg] = process.argv.slice(2)
if (!ledgerFile || !leaseArg) {
  process.stderr.write('usage: watchdog <ledgerFile> <leaseMs>\n')
  process.exit(2)
}
const leaseMs = Number(leaseArg)
// Its undone marks say `watchdog`: a live runner reads them as an early revert (ledger-watch.ts).
const ledger = new Ledger(
  path.basename(ledgerFile, '.ndjson'),
  path.dirname(ledgerFile),
  'watchdog'
)
const kTickMs = 100

/** When the newest heartbeat read so far was sent. */
let lastBeat = Date.now()
/** When the interval last fired, even if a tick was still busy: what `late` is measured from. */
let lastTick = Date.now()
let runnerGone = false
let cleanEnd = false
let busy = false
let partial = ''

process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk: string) => {
  const lines = (partial + chunk).split('\n')
  partial = lines.pop() ?? ''
  for (const line of lines) {
    if (line === 'done') {
      cleanEnd = true
    }
    // A beat renews the lease from when it was sent, not from when it was read: a beat that
    // waited in the pipe while this process was starved says nothing about the runner since.
    // Never later than now, and never moving back (beats can be read out of the time order).
    lastBeat = Math.max(lastBeat, Math.min(beatTime(line), Date.now()))
  }
})
process.stdin.on('end', () => {
  runnerGone = true
  log(cleanEnd ? 'runner finished' : 'runner gone without finishing: undoing the ledger')
})
process.stdin.on('error', () => {
  runnerGone = true
})
// The terminal's signals are not ours to obey: only the lease ends this process.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) {
  process.on(signal, () => log(`ignored ${signal}`))
}

log(`watching ${path.basename(ledgerFile)} (lease ${leaseMs} ms)`)
const timer = setInterval(() => {
  const fired = Date.now()
  // How long this process itself was not scheduled: a starved CPU, a suspended machine.
  // Measured here, on every firing, so a long undo (ticks skipped while busy) is not taken
  // for a stall.
  const late = fired - lastTick - kTickMs
  lastTick = fired
  if (busy) {
    return
  }
  busy = true
  void tick(late).finally(() => {
    busy = false
  })
}, kTickMs)

async function tick(late: number): Promise<void> {
  if (!runnerGone && Date.now() - lastBeat > leaseMs) {
    // Judge only once the beats already in the pipe are read (issue 13 §1b: a demo's system was
    // torn down mid-run, under CPU load, with its runner alive and beating). After this process
    // was stopped, libuv can run the due timer before it polls the pipe again (its epoll_wait
    // ends with EINTR and the timeout spent): main.test.ts then sees a beating runner lapse.
    await afterPendingInput()
  }
  const now = Date.now()
  const lapsed = !runnerGone && now - lastBeat > leaseMs
  if (late >= leaseMs / 2) {
    log(
      `not scheduled for ${late} ms; ` +
        (lapsed ? 'no heartbeat came meanwhile' : 'the heartbeats sent meanwhile renew the lease')
    )
  }
  if (lapsed) {
    log(`lease lapsed: no heartbeat for ${now - lastBeat} ms; undoing the ledger`)
  }
  // Newest first, as a stack unwinds: a fault's SIGCONT before the system it paused is ended.
  const pending = pendingEntries(ledgerFile!).reverse()
  const due = runnerGone || lapsed ? pending : pending.filter((e) => e.deadline <= now)
  for (const entry of due) {
    await undo(
      entry,
      runnerGone
        ? 'runner gone'
        : lapsed
          ? 'lease lapsed: the runner stopped answering'
          : 'deadline passed'
    )
  }
  if (runnerGone || lapsed) {
    const left = pendingEntries(ledgerFile!)
    if (left.length === 0) {
      clearInterval(timer)
      process.exit(0)
    }
  }
}

/** `h 1733530000000` → its send time; a beat without one (an older runner) counts as now. */
function beatTime(line: string): number {
  const sent = /^h (\d+)$/.exec(line)
  return sent ? Number(sent[1]) : Date.now()
}

/** Resolves after the event loop's next poll phase, where data waiting on stdin is read. */
function afterPendingInput(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Failed undos wait before their next try (100 ms doubling to 5 s): an API server that is
 * down for minutes gets a try every few seconds, not ten a second, and the log stays short. */
const retries = new Map<string, { failures: number; at: number }>()

async function undo(entry: LedgerEntry, why: string): Promise<void> {
  const retry = retries.get(entry.id)
  if (retry && retry.at > Date.now()) {
    return
  }
  try {
    const note = await executeUndo(entry.undo)
    ledger.markUndone(entry.id, why)
    retries.delete(entry.id)
    log(`undone (${why}): ${entry.undo.label}${note === undefined ? '' : ` (${note})`}`)
  } catch (error) {
    const failures = (retry?.failures ?? 0) + 1
    const waitMs = Math.min(5_000, 100 * 2 ** (failures - 1))
    retries.set(entry.id, { failures, at: Date.now() + waitMs })
    log(
      `could not undo ${entry.undo.label}: ${(error as Error).message}; will retry in ${waitMs} ms`
    )
  }
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} watchdog[${process.pid}] ${message}\n`)
}
