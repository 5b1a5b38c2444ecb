/**
 * Retention of the run dirs an agent's runs leave in its state dir (`runs/<runId>/`: logs,
 * services' data). A long-lived agent would otherwise fill its disk, and a full disk is where
 * journals fail (review #12). The newest {@link kKeepLast} dirs, and any younger than
 * {@link kKeepMs}, stay for a look after the run; older ones go, unless the agent still holds
 * the run or its ledger is live (a runner or watchdog still in it). Ledgers stay: recovery
 * reads them.
 * @module
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { isLedgerLive } from '../../safety/run-lock.js'

export const kKeepLast = 20
export const kKeepMs = 24 * 60 * 60 * 1000

export interface RunDirEntry {
  runId: string
  mtimeMs: number
}

/** The run dirs past retention: beyond the newest `keepLast` and older than `keepMs`. */
export function prunable(
  entries: readonly RunDirEntry[],
  now: number,
  keepLast = kKeepLast,
  keepMs = kKeepMs
): string[] {
  return [...entries]
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(keepLast)
    .filter((entry) => now - entry.mtimeMs > keepMs)
    .map((entry) => entry.runId)
}

/** Removes the run dirs under `stateDir` past retention; returns the run ids removed. */
export function pruneRunDirs(
  stateDir: string,
  held: (runId: string) => boolean,
  log: (line: string) => void,
  now = Date.now()
): string[] {
  const runsDir = path.join(stateDir, 'runs')
  let names: string[]
  try {
    names = readdirSync(runsDir)
  } catch {
    return []
  }
  const entries = names.flatMap((runId) => {
    const info = statSync(path.join(runsDir, runId), { throwIfNoEntry: false })
    return info?.isDirectory() ? [{ runId, mtimeMs: info.mtimeMs }] : []
  })
  const removed: string[] = []
  for (const runId of prunable(entries, now)) {
    const ledger = path.join(stateDir, 'ledgers', `${runId}.ndjson`)
    if (held(runId) || (existsSync(ledger) && isLedgerLive(ledger))) {
      continue
    }
    try {
      rmSync(path.join(runsDir, runId), { recursive: true, force: true })
      removed.push(runId)
    } catch (error) {
      log(`run ${runId}: cannot remove its run dir: ${String(error)}`)
    }
  }
  return removed
}
