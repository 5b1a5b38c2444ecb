/**
 * The stress worker: a standalone script, spawned detached by cpu-stress and memory-stress.
 *
 *   node [execArgv] worker.js ordeal-stress <cpu|memory> <deadlineMs> <parentPid> <amount>
 *
 * `amount` is the load percentage (cpu) or the bytes to hold (memory). The `ordeal-stress`
 * marker in argv lets `ordeal recover` (and people running `ps`) recognise workers.
 *
 * Protocol: the worker idles until it reads `go` on stdin, so the parent can write the undo
 * (with this pid) to its ledger before any load exists. Once loaded it prints `ready`.
 *
 * A worker must never outlive its fault, even if ordeal is SIGKILLed: it exits by itself when
 * the deadline passes, when its parent is gone (checked every second), and when stdin closes
 * before `go`. This is the only file under src/ that calls process.exit: it is its own program.
 * @module
 */

import { readFileSync } from 'node:fs'

const kTickMs = 1000
const kCycleMs = 100
const kChunkBytes = 64 * 1024 * 1024

const [marker, mode, deadlineText, parentText, amountText] = process.argv.slice(2)
const deadline = Number(deadlineText)
const parentPid = Number(parentText)
const amount = Number(amountText)
if (marker !== 'ordeal-stress' || (mode !== 'cpu' && mode !== 'memory') || !(amount > 0)) {
  process.stderr.write(
    `usage: worker ordeal-stress <cpu|memory> <deadlineMs> <parentPid> <amount>\n`
  )
  process.exit(2)
}

// The parent may close our pipes at any time; a failed write must not crash the worker.
process.stdout.on('error', () => {})
process.stdin.on('error', () => {})

tick()
waitForGo()

function waitForGo(): void {
  let input = ''
  let started = false
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk: string) => {
    input += chunk
    if (!started && input.split('\n').includes('go')) {
      started = true
      if (mode === 'cpu') {
        burn(Math.min(100, amount))
        process.stdout.write('ready\n')
      } else {
        void hold(amount)
      }
    }
  })
  process.stdin.on('end', () => {
    if (!started) {
      process.exit(0) // the parent gave up (or died) before starting us
    }
  })
}

/** Busy for `load` ms of every 100 ms, yielding in between so the timers still run. */
function burn(load: number): void {
  const start = performance.now()
  while (performance.now() - start < load) {
    // spin
  }
  if (load >= kCycleMs) {
    setImmediate(burn, load)
  } else {
    setTimeout(burn, kCycleMs - load, load)
  }
}

/** Allocates `bytes` in chunks and writes every page, so the memory is resident, not just mapped. */
async function hold(bytes: number): Promise<void> {
  const chunks: Buffer[] = []
  for (let left = bytes; left > 0; left -= kChunkBytes) {
    chunks.push(Buffer.alloc(Math.min(left, kChunkBytes), 0xa5))
    await new Promise((resolve) => setImmediate(resolve)) // let the deadline / parent checks run
  }
  process.stdout.write('ready\n')
  // Keep the chunks reachable until the process ends.
  setInterval(() => chunks.length, 60_000)
}

/** Exits at the deadline or when the parent is gone; re-checks at least every second. */
function tick(): void {
  const left = deadline - Date.now()
  if (!(left > 0) || !parentAlive()) {
    process.exit(0)
  }
  setTimeout(tick, Math.min(kTickMs, left))
}

function parentAlive(): boolean {
  // process.ppid is read once at startup; /proc shows the re-parenting when the parent dies.
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parentPid
  } catch {
    try {
      process.kill(parentPid, 0)
      return true
    } catch {
      return false
    }
  }
}
