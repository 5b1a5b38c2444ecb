/**
 * A stand-in runner for the run-lock test: creates a locked ledger, starts the real watchdog
 * with the lock's descriptor, records an undo that keeps failing (so the watchdog outlives this
 * process, retrying), prints `<runnerPid> <watchdogPid>` and waits to be killed.
 *
 *   node --import tsx lock-holder.ts <ledgerFile> <logFile>
 */
import path from 'node:path'
import { Ledger } from '../../src/safety/ledger.js'
import { createLockedLedger } from '../../src/safety/run-lock.js'
import { startWatchdog } from '../../src/safety/watchdog/lease.js'

const [ledgerFile, logFile] = process.argv.slice(2) as [string, string]
const ledger = new Ledger(path.basename(ledgerFile, '.ndjson'), path.dirname(ledgerFile))
const lock = createLockedLedger(ledger.file)
const lease = startWatchdog({ ledgerFile: ledger.file, logFile, leaseMs: 60_000, lockFd: lock.fd })
// `false` exits 1 without "already gone": the watchdog keeps retrying once this process dies.
ledger.record(
  'f',
  { kind: 'command', argv: ['false'], label: 'never undone' },
  Date.now() + 3_600_000
)
process.stdout.write(`${process.pid} ${lease.pid}\n`)
setInterval(() => undefined, 1000)
