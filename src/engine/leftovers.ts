/**
 * What earlier runs may have left on this machine, for `ordeal recover` (which removes it) and
 * `ordeal run` (which warns about it at start). A run in progress is never a leftover (issue
 * 12 §3b): its ledger is locked (run-lock.ts) and its network objects are claimed by it
 * (claims.ts); it is listed as `live-run` so recover can say it was skipped.
 *
 * - every undo still pending in the ledger of a dead run: processes left stopped (state T) by
 *   process-pause, stress workers, `.ordeal-fill-*` files. The ledger holds their exact undo.
 * - stress workers found by name when no ledger lists them (the ledger was deleted, or the
 *   state directory differs): processes whose argv carries the `ordeal-stress` marker and whose
 *   parent is gone. A worker whose parent is still its parent belongs to a live run, which
 *   ends it itself; it is not a leftover.
 *
 * - namespaces and links named `ord-…` (hosts, veths, bridges) that no pending ledger entry
 *   lists: a run whose ledger is gone. Those a ledger lists are removed through it.
 *
 * Fill files cannot be found without a ledger: they live in whatever directory a manifest
 * named, and a filesystem-wide search for `.ordeal-fill-*` would be slow and could remove a
 * live run's file. Stopped processes cannot be found by name either: nothing marks them as
 * ordeal's. For those the ledger is the only record, which is why it is written first.
 * @module
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { STRESS_MARKER } from '../faults/stress/spawn.js'
import { isSameProcess, processStartTime } from '../safety/proc.js'
import { ancestors, listPids, statSummary } from '../safety/proc-scan.js'
import { waitGroupGone } from '../platforms/local/process-group.js'
import { sleep } from '../shared/duration.js'
import {
  Ledger,
  ledgerFiles,
  pendingEntries,
  runIdOfLedger,
  type LedgerEntry,
} from '../safety/ledger.js'
import { executeUndo } from '../safety/undo.js'
import { isLedgerLive, tryLockLedger } from '../safety/run-lock.js'
import { ordealNetworkObjects } from '../platforms/local/network/stray.js'
import { networkOwner } from '../platforms/local/network/claims.js'
import { linkDel, netnsDel } from '../platforms/local/network/commands.js'

export type Leftover =
  /** An undo still pending in the ledger of a dead run (or of a live one, when forced). */
  | {
      kind: 'ledger-entry'
      ledgerFile: string
      entry: LedgerEntry
      description: string
      /** Its run is in progress (only with `force`). */
      live: boolean
    }
  /** A run in progress: nothing of it is a leftover; listed so recover can say it skipped it. */
  | { kind: 'live-run'; runId: string; description: string }
  /** A stress worker whose parent is gone (or whose deadline passed), found by its argv marker. */
  | {
      kind: 'stress-worker'
      pid: number
      startTime: number | undefined
      description: string
    }
  /** An `ord-` namespace or link no ledger lists. */
  | { kind: 'network-object'; object: 'namespace' | 'link'; name: string; description: string }

/** A worker past its own deadline by this much should have exited by itself long ago. */
const kDeadlineGraceMs = 5000
/** A worker checks its runner every second (worker.ts) and exits when it is gone. */
const kSelfExitMs = 1500
/** How long a SIGKILLed worker may take to disappear (a process in D state takes a moment). */
const kGoneWaitMs = 5000

export interface FindOptions {
  /** Where ledgers live; defaults to the state directory's `ledgers/`. */
  ledgersDir?: string
  /** Also the entries and objects of runs in progress (`ordeal recover --force`). */
  force?: boolean
}

/**
 * Everything left over, ledger entries first (their undo is exact; newest first within a
 * ledger, as the watchdog undoes), then stray stress workers, then stray network objects.
 */
export function findLeftovers(options: FindOptions = {}): Leftover[] {
  const leftovers: Leftover[] = []
  const live = new Set<string>()
  const listed = new Set<string | undefined>()
  const liveRun = (runId: string) => {
    if (!live.has(runId)) {
      live.add(runId)
      leftovers.push({ kind: 'live-run', runId, description: `run ${runId} is in progress` })
    }
  }
  for (const file of ledgerFiles(options.ledgersDir)) {
    const pending = pendingEntries(file).reverse()
    if (pending.length === 0) {
      continue // nothing to undo, live or not: spare the lock check (a process spawn, ~5 ms)
    }
    const isLive = isLedgerLive(file)
    for (const entry of pending) {
      if (entry.undo.kind === 'command') {
        listed.add(entry.undo.argv.at(-1)) // its objects are this ledger's, live or not
      }
    }
    if (isLive) {
      liveRun(runIdOfLedger(file))
      if (!options.force) {
        continue
      }
    }
    for (const entry of pending) {
      leftovers.push({
        kind: 'ledger-entry',
        ledgerFile: file,
        entry,
        description: `${entry.undo.label} (run ${entry.runId})`,
        live: isLive,
      })
    }
  }
  leftovers.push(...findStrayStressWorkers())
  for (const o of ordealNetworkObjects()) {
    if (listed.has(o.name)) {
      continue
    }
    // A run of another state directory: its claim names its ledger, whose lock says if it lives.
    const owner = networkOwner(o.name)
    if (owner?.live) {
      liveRun(owner.runId)
      if (!options.force) {
        continue
      }
    }
    leftovers.push({
      kind: 'network-object',
      ...o,
      description: `stray ${o.object} ${o.name} (${owner ? `its run ${owner.runId} ${owner.live ? 'is in progress' : 'is gone'}` : 'no ledger lists it'})`,
    })
  }
  return leftovers
}

/** Stress workers on this machine whose runner is gone, or that outlived their deadline. */
export function findStrayStressWorkers(now = Date.now()): Leftover[] {
  const mine = new Set([process.pid, ...ancestors(process.pid)])
  const found: Leftover[] = []
  for (const pid of listPids()) {
    if (mine.has(pid)) {
      continue
    }
    const worker = parseWorkerArgv(readArgv(pid))
    const stat = worker && statSummary(pid)
    if (!worker || !stat || stat.state === 'Z' || stat.state === 'X') {
      continue
    }
    const orphaned = stat.ppid !== worker.parentPid
    const overdue = worker.deadline + kDeadlineGraceMs < now
    if (!orphaned && !overdue) {
      continue // a live run's worker: that run ends it
    }
    const why = orphaned ? `its runner (pid ${worker.parentPid}) is gone` : 'its deadline passed'
    found.push({
      kind: 'stress-worker',
      pid,
      startTime: processStartTime(pid),
      description: `stray ${worker.mode} stress worker (pid ${pid}): ${why}`,
    })
  }
  return found
}

/**
 * Removes one leftover. Idempotent: something already gone is success. A stress worker gets
 * {@link kSelfExitMs} to exit by itself first, so callers remove several of them concurrently.
 * @returns 'undone' when this call removed it, 'gone' when nothing was left to do
 * @throws when it could not be removed (no permission, still running after SIGKILL)
 */
export async function removeLeftover(
  leftover: Leftover,
  by = 'ordeal recover'
): Promise<'undone' | 'gone'> {
  if (leftover.kind === 'live-run') {
    return 'gone' // never touched
  }
  if (leftover.kind === 'ledger-entry') {
    const { ledgerFile, entry } = leftover
    if (!leftover.live) {
      // Only under the run lock, and only if still pending once it is held: another recovery
      // may have undone it since it was found, or the ledger may be gone (recover-ledger.ts).
      const lock = tryLockLedger(ledgerFile)
      if (lock === 'held') {
        throw new Error('its run lock is held (its run lives, or another recovery is at work)')
      }
      if (lock === 'gone') {
        return 'gone'
      }
      try {
        if (!pendingEntries(ledgerFile).some((e) => e.id === entry.id)) {
          return 'gone'
        }
        await undoMarked(leftover, by, 'its run is gone')
      } finally {
        lock.release()
      }
      return 'undone'
    }
    await undoMarked(leftover, by, 'forced while the run was in progress')
    return 'undone'
  }
  if (leftover.kind === 'network-object') {
    const argv = leftover.object === 'namespace' ? netnsDel(leftover.name) : linkDel(leftover.name)
    await executeUndo({ kind: 'command', argv, label: leftover.description })
    return 'undone'
  }
  const { pid, startTime } = leftover
  // Gone already (a ledger entry undone just before ended it, or the pid was reused); or it
  // ends by itself within the second a worker takes to notice its runner died. Killing only
  // after that keeps a run that just ended from being mistaken for a leftover.
  if (await waitProcessGone(pid, startTime, kSelfExitMs)) {
    return 'gone'
  }
  // Workers lead their own group (spawned detached): kill the group, so anything they started
  // goes too. Never a group the worker does not lead: that could be a shell's, or ours.
  const leadsGroup = statSummary(pid)?.pgrp === pid
  kill(leadsGroup ? -pid : pid)
  const gone = leadsGroup
    ? await waitGroupGone(pid, kGoneWaitMs)
    : await waitProcessGone(pid, startTime, kGoneWaitMs)
  if (!gone) {
    throw new Error(`still running ${kGoneWaitMs} ms after SIGKILL`)
  }
  return 'undone'
}

async function undoMarked(
  leftover: Extract<Leftover, { kind: 'ledger-entry' }>,
  by: string,
  reason: string
): Promise<void> {
  const { ledgerFile, entry } = leftover
  // The mark says who and why: a live run reads it as its fault reverted early.
  const ledger = new Ledger(runIdOfLedger(ledgerFile), path.dirname(ledgerFile), by)
  await executeUndo(entry.undo)
  ledger.markUndone(entry.id, reason)
}

/** The worker's own arguments: `ordeal-stress <cpu|memory> <deadlineMs> <parentPid> <amount>`. */
export function parseWorkerArgv(
  argv: string[] | undefined
): { mode: string; deadline: number; parentPid: number } | undefined {
  // The marker alone is not enough (`grep ordeal-stress` carries it too): the arguments after
  // it must have the worker's shape.
  const at = argv?.indexOf(STRESS_MARKER) ?? -1
  if (!argv || at < 0) {
    return undefined
  }
  const [mode, deadline, parentPid, amount] = argv.slice(at + 1, at + 5)
  const isNumber = (text: string | undefined) => text !== undefined && /^\d+(\.\d+)?$/.test(text)
  if ((mode !== 'cpu' && mode !== 'memory') || ![deadline, parentPid, amount].every(isNumber)) {
    return undefined
  }
  return { mode, deadline: Number(deadline), parentPid: Number(parentPid) }
}

function readArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return undefined // gone, or not ours to read
  }
}

function kill(target: number): void {
  try {
    process.kill(target, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error
    }
  }
}

async function waitProcessGone(pid: number, startTime: number | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (isSameProcess(pid, startTime)) {
    if (Date.now() >= deadline) {
      return false
    }
    await sleep(25)
  }
  return true
}
