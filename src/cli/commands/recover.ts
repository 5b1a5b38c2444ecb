import { findLeftovers, removeLeftover, type Leftover } from '../../engine/leftovers.js'

/**
 * `ordeal recover`: undo everything any ledger still lists, then end stray stress workers found
 * by name (see engine/leftovers.ts for what can and cannot be found without a ledger). One line
 * per thing undone; idempotent; exit 1 when something could not be undone.
 */
export async function recoverCommand(): Promise<number> {
  const leftovers = findLeftovers()
  let undone = 0
  let failed = 0
  const report = (leftover: Leftover, outcome: PromiseSettledResult<'undone' | 'gone'>) => {
    if (outcome.status === 'rejected') {
      failed++
      const reason =
        outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      process.stderr.write(`could not undo ${leftover.description}: ${reason}\n`)
    } else if (outcome.value === 'undone') {
      undone++
      const verb = leftover.kind === 'stress-worker' ? 'killed' : 'undone'
      process.stdout.write(`${verb}: ${leftover.description}\n`)
    }
  }
  // Ledger entries first, one by one in the order recorded; a worker one of them ends is
  // 'gone' by the time the sweep reaches it.
  for (const leftover of leftovers.filter((l) => l.kind === 'ledger-entry')) {
    report(leftover, (await Promise.allSettled([removeLeftover(leftover)]))[0]!)
  }
  // Stray workers together: each gets a moment to exit by itself before it is killed.
  const workers = leftovers.filter((l) => l.kind === 'stress-worker')
  const outcomes = await Promise.allSettled(workers.map((w) => removeLeftover(w)))
  workers.forEach((w, i) => report(w, outcomes[i]!))
  // Stray namespaces before links: deleting a namespace takes its veths with it.
  const objects = leftovers
    .filter((l) => l.kind === 'network-object')
    .sort((a, b) => (a.object === b.object ? 0 : a.object === 'namespace' ? -1 : 1))
  for (const leftover of objects) {
    report(leftover, (await Promise.allSettled([removeLeftover(leftover)]))[0]!)
  }
  process.stdout.write(
    undone + failed === 0 ? 'nothing to recover\n' : `recovered ${undone}, failed ${failed}\n`
  )
  return failed > 0 ? 1 : 0
}
