/**
 * Where each server run's private tree is (`/tmp/ordeal-<name>-*`, work-dir.ts), kept next to
 * its ledger as `<runId>.workdir`: the run process removes its tree when its run ends, so a
 * run process that was killed (alone, or with the whole server) leaves it behind, and only this
 * note says where it is. The running server (a died run process) and the next start-up (a
 * killed server) remove the trees of runs whose ledger is no longer live, then the note.
 * @module
 */
import { lstatSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stateDir } from '../../../safety/ledger.js'
import { isLedgerLive } from '../../../safety/run-lock.js'
import { removeTree } from '../work-dir.js'

const kSuffix = '.workdir'

const ledgersDir = () => path.join(stateDir(), 'ledgers')
const noteOf = (runId: string) => path.join(ledgersDir(), `${runId}${kSuffix}`)

/** Notes the run's tree; called by the run process once its run has an id and a ledger. */
export function recordRunTree(runId: string, dir: string): void {
  writeFileSync(noteOf(runId), dir, { mode: 0o600, flag: 'wx' })
}

/** The run ended and removed its own tree: the note goes too. */
export function forgetRunTree(runId: string): void {
  rmSync(noteOf(runId), { force: true })
}

/**
 * Removes the tree of `runId` if its ledger is no longer live (no runner, no watchdog still
 * undoing in it); otherwise leaves it, logged. The path is only trusted as a tree ordeal made:
 * a directory of ours directly in the temp dir, named `ordeal-…`.
 */
export function removeRunTree(runId: string, log: (line: string) => void): void {
  const note = noteOf(runId)
  let dir: string
  try {
    dir = readFileSync(note, 'utf8')
  } catch {
    return // no note: nothing recorded, or already removed
  }
  if (isLedgerLive(path.join(ledgersDir(), `${runId}.ndjson`))) {
    log(`run ${runId}: its ledger is still locked; its work dir ${dir} is left`)
    return
  }
  const info = lstatSync(dir, { throwIfNoEntry: false })
  const ours =
    path.dirname(dir) === os.tmpdir() &&
    path.basename(dir).startsWith('ordeal-') &&
    (info === undefined || (info.isDirectory() && info.uid === process.getuid?.()))
  if (!ours) {
    log(`run ${runId}: its work dir note names ${JSON.stringify(dir)}, not a tree of ours; left`)
  } else {
    try {
      removeTree(dir)
    } catch (error) {
      log(`run ${runId}: could not remove its work dir ${dir}: ${String(error)}`)
      return
    }
  }
  forgetRunTree(runId)
}

/** At start-up: the trees every killed run process left (their runs are dead by now). */
export function removeDeadRunTrees(log: (line: string) => void): void {
  let names: string[]
  try {
    names = readdirSync(ledgersDir())
  } catch {
    return
  }
  for (const name of names) {
    if (name.endsWith(kSuffix)) {
      removeRunTree(name.slice(0, -kSuffix.length), log)
    }
  }
}
