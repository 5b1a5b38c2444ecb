import { findLeftovers, removeLeftover, type Leftover } from '../../engine/leftovers.js'
import { runIdOfLedger, stateDir } from '../../safety/ledger.js'
import { recoverLedger } from '../../safety/recover-ledger.js'
import { pruneClaims } from '../../platforms/local/network/claims.js'
import { ordealNetworkObjects } from '../../platforms/local/network/stray.js'
import { appendToJournalFile, recoveredEvent } from '../../engine/startup-recovery.js'

export interface RecoverOptions {
  /** Undo the ledgers of runs in progress too (their runs then end in `error`). */
  force?: boolean
}

/**
 * `ordeal recover`: undo everything the ledgers of dead runs still list, then end stray stress
 * workers and remove stray network objects (see engine/leftovers.ts for what can and cannot be
 * found without a ledger). A run in progress is skipped and said so, unless `--force`. One line
 * per thing undone; idempotent; exit 1 when something could not be undone.
 */
export async function recoverCommand(options: RecoverOptions = {}): Promise<number> {
  const force = options.force ?? false
  const by = force ? 'ordeal recover --force' : 'ordeal recover'
  const leftovers = findLeftovers({ force })
  let undone = 0
  let failed = 0
  // Per dead run, what was undone, to record in its journal afterwards.
  const runs = new Map<string, { undone: string[]; failed: string[] }>()
  const report = (leftover: Leftover, outcome: PromiseSettledResult<'undone' | 'gone'>) => {
    // Only a dead run's journal: a live one's file is still being written by its runner.
    const run =
      leftover.kind === 'ledger-entry' && !leftover.live
        ? (runs.get(leftover.entry.runId) ??
          runs.set(leftover.entry.runId, { undone: [], failed: [] }).get(leftover.entry.runId)!)
        : undefined
    if (outcome.status === 'rejected') {
      failed++
      const reason =
        outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      process.stderr.write(`could not undo ${leftover.description}: ${reason}\n`)
      run?.failed.push(`${leftover.description}: ${reason}`)
    } else if (outcome.value === 'undone') {
      undone++
      const verb = leftover.kind === 'stress-worker' ? 'killed' : 'undone'
      process.stdout.write(`${verb}: ${leftover.description}\n`)
      run?.undone.push(leftover.description)
    }
  }
  for (const leftover of leftovers.filter((l) => l.kind === 'live-run')) {
    process.stdout.write(
      force
        ? `forced: ${leftover.description}; undoing it anyway (it will end in error)\n`
        : `skipped: ${leftover.description}\n`
    )
  }
  // Ledger entries first, newest first within a ledger; a worker one of them ends is 'gone' by
  // the time the sweep reaches it. A dead run's ledger is undone whole under its run lock, from
  // its entries as read under that lock (recover-ledger.ts): a concurrent recovery (another
  // `ordeal recover`, a start-up recovery) then never undoes an entry twice.
  const deadLedgers = new Set<string>()
  for (const leftover of leftovers) {
    if (leftover.kind !== 'ledger-entry') {
      continue
    }
    if (leftover.live) {
      report(leftover, (await Promise.allSettled([removeLeftover(leftover, by)]))[0]!)
      continue
    }
    if (deadLedgers.has(leftover.ledgerFile)) {
      continue
    }
    deadLedgers.add(leftover.ledgerFile)
    const outcome = await recoverLedger(leftover.ledgerFile, {
      by,
      reason: 'its run is gone',
      onUndo: (entry, error) => {
        const undoneOne: Leftover = {
          kind: 'ledger-entry',
          ledgerFile: leftover.ledgerFile,
          entry,
          description: `${entry.undo.label} (run ${entry.runId})`,
          live: false,
        }
        report(
          undoneOne,
          error === undefined
            ? { status: 'fulfilled', value: 'undone' }
            : { status: 'rejected', reason: new Error(error) }
        )
      },
    }).catch((error: unknown) => {
      failed++
      process.stderr.write(`could not recover ${leftover.ledgerFile}: ${String(error)}\n`)
    })
    if (outcome === 'held') {
      process.stdout.write(
        `skipped: run ${runIdOfLedger(leftover.ledgerFile)} (its run lock is held: it is in progress, or another recovery is undoing it)\n`
      )
    }
  }
  // Stray workers together: each gets a moment to exit by itself before it is killed.
  const workers = leftovers.filter((l) => l.kind === 'stress-worker')
  const outcomes = await Promise.allSettled(workers.map((w) => removeLeftover(w, by)))
  workers.forEach((w, i) => report(w, outcomes[i]!))
  // Stray namespaces before links: deleting a namespace takes its veths with it.
  const objects = leftovers
    .filter((l) => l.kind === 'network-object')
    .sort((a, b) => (a.object === b.object ? 0 : a.object === 'namespace' ? -1 : 1))
  for (const leftover of objects) {
    report(leftover, (await Promise.allSettled([removeLeftover(leftover, by)]))[0]!)
  }
  // Net id claims of dead runs whose objects are gone (claims.ts): silent, nothing to undo.
  pruneClaims(ordealNetworkObjects().map((o) => o.name))
  // A dead run's journal says who undid what it left (a live one sees its ledger instead).
  for (const [runId, run] of runs) {
    appendToJournalFile(stateDir(), runId, recoveredEvent({ runId, ...run }, by))
  }
  process.stdout.write(
    undone + failed === 0 ? 'nothing to recover\n' : `recovered ${undone}, failed ${failed}\n`
  )
  return failed > 0 ? 1 : 0
}
