/**
 * A run whose run process died without `run.ended` (killed, out of memory, or the agent itself
 * was killed and this is its next start): once its ledger's lock is free (its watchdog has done
 * what it could), undo what the ledger still lists, with the embedded agent's own code
 * (run-process/died-run.ts), and end the journal file so the Chaos Center gets a complete run:
 * `run.aborted` (unless the run already said why it stopped), `run.recovered` when anything
 * was undone, `run.ended`.
 * @module
 */
import { appendFileSync, readFileSync } from 'node:fs'
import type { JournalEvent, JournalEventBody } from '../../engine/events.js'
import { runDirFor } from '../../safety/ledger.js'
import { readRunInfo } from '../../safety/run-info.js'
import { recoverDiedRun } from '../local/run-process/died-run.js'
import { removeRunTree } from '../local/run-process/trees.js'

/** What the journal file already holds. */
export function journalTail(file: string): { lastSeq: number; aborted: boolean; ended: boolean } {
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // never written: the run process died before its run started
  }
  let lastSeq = -1
  let aborted = false
  let ended = false
  for (const line of text.split('\n')) {
    try {
      const event = JSON.parse(line) as JournalEvent
      lastSeq = Math.max(lastSeq, event.seq)
      aborted ||= event.type === 'run.aborted'
      ended ||= event.type === 'run.ended'
    } catch {
      // empty, or torn by the kill
    }
  }
  return { lastSeq, aborted, ended }
}

/**
 * Appends the end a died run did not write. A torn last line is ended first; the next seq
 * follows the last good one, or `storedSeq` (what the server already stored) when that is
 * higher: after a host crash the file may have lost lines the server has, and an end numbered
 * from the shorter file would reuse their seqs (a 409, and the run never ends on the server).
 */
export function appendDiedRunEnd(
  file: string,
  reason: string,
  recovered: JournalEventBody | undefined,
  now = Date.now(),
  storedSeq = -1
): number {
  const tail = journalTail(file)
  if (tail.ended) {
    return 0
  }
  let seq = Math.max(tail.lastSeq, storedSeq)
  const bodies: JournalEventBody[] = []
  if (!tail.aborted) {
    bodies.push({ type: 'run.aborted', kind: 'error', reason })
  }
  if (recovered) {
    bodies.push(recovered)
  }
  bodies.push({ type: 'run.ended' })
  let existing = ''
  try {
    existing = readFileSync(file, 'utf8')
  } catch {
    // none yet
  }
  const lead = existing === '' || existing.endsWith('\n') ? '' : '\n'
  const lines = bodies.map((body) => JSON.stringify({ ...body, seq: ++seq, t: now }))
  appendFileSync(file, `${lead}${lines.join('\n')}\n`, { mode: 0o600 })
  return bodies.length
}

/**
 * Recovers the died run's ledger (waiting for its lock and its run process), then ends its
 * journal file with `end` (by default at once, numbered from the file; a leftover found at
 * start-up is ended once the server's welcome says what it stored).
 */
export async function finishDiedRun(
  runId: string,
  journalFile: string,
  reason: string,
  log: (line: string) => void,
  end: (recovered: JournalEventBody | undefined) => void = (recovered) =>
    appendDiedRunEnd(journalFile, reason, recovered)
): Promise<void> {
  const recovered = await recoverDiedRun(runId, log).catch((error: unknown) => {
    log(`run ${runId}: could not recover its ledger: ${String(error)}`)
    return undefined
  })
  // A run process that outlived its agent (it aborts when the agent goes) frees its ledger's
  // lock just before it writes `run.ended`: let it finish writing rather than number an end of
  // ours with the same seq.
  await processGone(readRunInfo(runDirFor(runId))?.pid, kRunEndGraceMs)
  removeRunTree(runId, log)
  end(recovered)
}

/** How long a run process that released its ledger may take to write its end. */
const kRunEndGraceMs = 30_000

async function processGone(pid: number | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pid !== undefined && pid !== process.pid && Date.now() < deadline) {
    try {
      process.kill(pid, 0)
    } catch {
      return // gone (or not ours to signal: then it is not a run process of this agent)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
