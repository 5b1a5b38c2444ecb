/**
 * The server's answer, per run, to an agent's `hello` (design §5 "Resume"): what it still wants
 * of each run the agent reports, and what becomes of runs the server believes are on the agent
 * but the agent does not report. The store is the truth here (a restarted server has nothing in
 * memory): a run still `running` continues from the largest contiguous stored seq; one ended
 * `interrupted` by its lapsed lease continues as a late report; one dispatched whose `accepted`
 * was lost (still `queued`, this agent set) is taken as accepted; anything else is forgotten.
 * @module
 */
import type { AgentRunReport, Resume } from '../../platforms/agent/protocol.js'
import type { RunSummary } from '../../shared/api.js'
import type { Store } from '../store/contract.js'

export interface ResumedRun {
  run: RunSummary
  ackedSeq: number
  late: boolean
  /** Still `queued` on the server: mark it running now. */
  accept: boolean
}

export interface ResumePlan {
  resume: Resume[]
  /** Runs to take on again with `continue`. */
  continued: ResumedRun[]
  /** `running` on the server for this agent, absent from its hello: interrupt them. */
  lost: RunSummary[]
}

/**
 * `held`: the runs the server believes are on this agent, from memory (on its previous
 * connection, or waiting on their lease; after a restart every agent run has a lease), so a
 * reconnect storm of 500 agents costs no scan of the runs table per hello.
 */
export async function planResume(
  store: Store,
  agent: string,
  reported: readonly AgentRunReport[],
  held: Iterable<string>
): Promise<ResumePlan> {
  const resume: Resume[] = []
  const continued: ResumedRun[] = []
  const seen = new Set<string>()
  for (const report of reported) {
    seen.add(report.runId)
    const run = await store.getRunSummary(report.runId)
    // A run requeued when this agent dropped (its `agent` cleared) that the agent reports did
    // reach it: it is this agent's. Forgetting it would send it again to the agent that is
    // rolling it back (review #2).
    const requeued = run?.status === 'queued' && run.agent === undefined
    if (run === undefined || (run.agent !== agent && !requeued)) {
      resume.push({
        runId: report.runId,
        ackedSeq: -1,
        action: 'forget',
        reason:
          run === undefined
            ? 'unknown to this Chaos Center'
            : `placed on ${run.agent ?? 'no agent'}, not ${agent}`,
      })
      continue
    }
    const late = run.status === 'interrupted' && (await store.isLateReport(run.id))
    if (run.status === 'running' || run.status === 'queued' || late) {
      const ackedSeq = await store.contiguousSeq(run.id)
      resume.push({ runId: run.id, ackedSeq, action: 'continue' })
      continued.push({ run, ackedSeq, late, accept: run.status === 'queued' })
    } else {
      resume.push({ runId: run.id, ackedSeq: -1, action: 'forget', reason: `run ${run.status}` })
    }
  }
  const lost: RunSummary[] = []
  for (const runId of held) {
    if (!seen.has(runId)) {
      const run = await store.getRunSummary(runId)
      if (run?.status === 'running' && run.agent === agent) {
        lost.push(run)
      }
    }
  }
  return { resume, continued, lost }
}
