/**
 * What earlier runs may have left on this machine, for `ordeal recover` (which removes it) and
 * `ordeal run` (which warns about it at start):
 *
 * - every undo still pending in any ledger: processes left stopped (state T) by process-pause,
 *   stress workers, `.ordeal-fill-*` files. The ledger holds their exact undo.
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
import { isSameProcess, processStartTime } from '../system/proc.js'
import { ancestors, listPids, statSummary } from '../system/proc-scan.js'
import { waitGroupGone } from '../system/process-group.js'
import { sleep } from '../shared/duration.js'
import { Ledger, ledgerFiles, pendingEntries, type LedgerEntry } from './ledger.js'
import { executeUndo, undoEntry } from './undo.js'
import { ordealNetworkObjects } from '../system/network/stray.js'
import { linkDel, netnsDel } from '../system/network/commands.js'

export type Leftover =
  /** An undo still pending in a ledger (its run may have died, or may still be running). */
  | { kind: 'ledger-entry'; ledgerFile: string; entry: LedgerEntry; description: string }
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

/**
 * Everything left over, ledger entries first (their undo is exact), then stray stress workers.
 * @param ledgersDir where ledgers live; defaults to the state directory's `ledgers/`
 */
export function findLeftovers(ledgersDir?: string): Leftover[] {
  const leftovers: Leftover[] = []
  for (const file of ledgerFiles(ledgersDir)) {
    for (const entry of pendingEntries(file)) {
      leftovers.push({
        kind: 'ledger-entry',
        ledgerFile: file,
        entry,
        description: `${entry.undo.label} (run ${entry.runId})`,
      })
    }
  }
  leftovers.push(...findStrayStressWorkers())
  const listed = new Set(
    leftovers.flatMap((l) =>
      l.kind === 'ledger-entry' && l.entry.undo.kind === 'command' ? [l.entry.undo.argv.at(-1)] : []
    )
  )
  for (const o of ordealNetworkObjects()) {
    if (!listed.has(o.name)) {
      leftovers.push({
        kind: 'network-object',
        ...o,
        description: `stray ${o.object} ${o.name} (no ledger lists it)`,
      })
    }
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
export async function removeLeftover(leftover: Leftover): Promise<'undone' | 'gone'> {
  if (leftover.kind === 'ledger-entry') {
    const { ledgerFile, entry } = leftover
    await undoEntry(
      new Ledger(path.basename(ledgerFile, '.ndjson'), path.dirname(ledgerFile)),
      entry
    )
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
