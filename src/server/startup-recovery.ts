/**
 * The Chaos Center's start-up recovery (issue 12 §3): before the server accepts work, what
 * dead runs left in the ledgers of its state directory is undone (engine/startup-recovery.ts:
 * only runs whose run lock is free, never a live one), and each recovery is appended to the
 * run's stored journal as a `run.recovered` event, so its page says who undid what and why.
 * @module
 */
import { recoverDeadRuns, recoveredEvent } from '../engine/startup-recovery.js'
import type { JournalEvent } from '../shared/api.js'
import type { Store } from './store/contract.js'
import { removeDeadRunTrees } from '../platforms/local/run-process/trees.js'

const kBy = 'ordeal server start-up'
const kPage = 5000

export async function recoverOnStart(store: Store, log: (line: string) => void): Promise<void> {
  const recovered = await recoverDeadRuns({ by: kBy, log })
  removeDeadRunTrees(log)
  for (const run of recovered) {
    try {
      if (!(await store.getRunSummary(run.runId))) {
        continue // a run of `ordeal run` without --server: its own journal file has it
      }
      const event = { ...recoveredEvent(run, kBy), seq: (await lastSeq(store, run.runId)) + 1 }
      await store.appendEvents(run.runId, [{ ...event, t: Date.now() } as JournalEvent])
    } catch (error) {
      log(`run ${run.runId}: could not record its recovery: ${String(error)}`)
    }
  }
}

/** The highest stored seq of the run (-1 when none), read in pages: this runs once per start. */
async function lastSeq(store: Store, runId: string): Promise<number> {
  let after = -1
  for (;;) {
    const page = await store.listEvents(runId, { after, limit: kPage })
    const last = page.at(-1)
    if (!last) {
      return after
    }
    after = last.seq
  }
}
