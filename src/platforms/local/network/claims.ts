/**
 * Which run owns an `ord-<netId>-…` namespace or link, machine-wide: before a run creates
 * anything in the kernel it claims its net id with a symlink `<claims>/<netId>` → its ledger.
 * Namespaces are machine-wide while ledgers live in each run's state directory, so a recovery
 * tool with another `ORDEAL_STATE_DIR` finds the owner here, and asks the run lock
 * (run-lock.ts) whether it is alive: a live run's objects are never swept as strays.
 *
 * The claims live in /run (tmpfs), like the namespaces they describe: a reboot clears both.
 * Creating a symlink is atomic and fails if it exists, so it also keeps two runs from picking
 * the same net id.
 * @module
 */
import { mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { isLedgerLive } from '../../../safety/run-lock.js'
import { runIdOfLedger } from '../../../safety/ledger.js'
import { netIdOf } from './names.js'

/** Where claims live; overridable for tests that must not share the machine's. */
export function claimsDir(): string {
  return process.env['ORDEAL_NETWORK_CLAIMS_DIR'] ?? '/run/ordeal/networks'
}

export function claimPath(netId: string): string {
  return path.join(claimsDir(), netId)
}

/** Claims `netId` for the run whose ledger is `ledgerFile`; false when another run has it. */
export function claimNetId(netId: string, ledgerFile: string): boolean {
  mkdirSync(claimsDir(), { recursive: true, mode: 0o700 })
  try {
    symlinkSync(path.resolve(ledgerFile), claimPath(netId))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false
    }
    throw error
  }
}

export interface NetworkOwner {
  runId: string
  ledgerFile: string
  /** Its runner or watchdog still holds the run lock. */
  live: boolean
}

/** The run that claimed this object's net id, if any claim names one. */
export function networkOwner(name: string): NetworkOwner | undefined {
  const netId = netIdOf(name)
  if (netId === undefined) {
    return undefined
  }
  let ledgerFile: string
  try {
    ledgerFile = readlinkSync(claimPath(netId))
  } catch {
    return undefined
  }
  return { runId: runIdOfLedger(ledgerFile), ledgerFile, live: isLedgerLive(ledgerFile) }
}

/**
 * Removes claims of runs that are gone and whose objects are gone too (a run killed between
 * claiming its id and recording the claim's removal). Claims of live runs stay.
 * @param existing names of the `ord-` objects that still exist
 */
export function pruneClaims(existing: readonly string[]): string[] {
  const inUse = new Set(existing.map((name) => netIdOf(name)))
  let ids: string[]
  try {
    ids = readdirSync(claimsDir())
  } catch {
    return []
  }
  const pruned: string[] = []
  for (const id of ids) {
    if (inUse.has(id)) {
      continue
    }
    let ledgerFile: string
    try {
      ledgerFile = readlinkSync(claimPath(id))
    } catch {
      continue
    }
    if (!isLedgerLive(ledgerFile)) {
      rmSync(claimPath(id), { force: true })
      pruned.push(id)
    }
  }
  return pruned
}
