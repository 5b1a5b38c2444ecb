/**
 * A `fault` command with `rules`: this host's side of a cross-host partition, carried out whole
 * here (after, inject, hold, revert) like any fault step, and journaled with the fault's own
 * faultId and stepId so the coordinator's merged journal reads as for a local partition.
 * @module
 */
import type { Fault } from '../../experiment/model.js'
import type { FaultValue, PartRule } from '../../platforms/agent/part.js'
import { ruleComment } from '../../platforms/local/network/fault-support.js'
import type { Ledger } from '../../safety/ledger.js'
import type { ForeignUndo, LedgerWatch } from '../../safety/ledger-watch.js'
import { sleep } from '../../shared/duration.js'
import type { Journal } from '../journal.js'
import {
  HostRuleSet,
  hostRules,
  partitionRefusal,
  type PartitionPermission,
} from './host-partition.js'

export interface HostFaultEnv {
  runId: string
  journal: Journal
  ledger: Ledger
  permission: PartitionPermission
  /** Ends the hold early (the part stops or aborts): the rules come out at once. */
  signal: AbortSignal
  /** Time past the fault's duration before the watchdog removes the rules itself. */
  deadlineSlackMs: number
  /** Tells when another process (the watchdog, `ordeal recover`) removes a rule first. */
  ledgerWatch?: LedgerWatch
  /** Tests: stands in for the iptables rule set. */
  ruleSet?: (deadline: number) => Pick<HostRuleSet, 'apply' | 'heal'>
}

/** Throws the refusal line (after journaling it); else the fault's failure, if any. */
export async function runHostPartition(
  stepId: string,
  fault: Fault,
  rules: PartRule[],
  env: HostFaultEnv
): Promise<FaultValue> {
  const { journal } = env
  const failed = (phase: 'inject' | 'revert', error: string) =>
    journal.emit({ type: 'fault.failed', faultId: fault.id, stepId, phase, error })
  const refusal = partitionRefusal(rules, env.permission)
  if (refusal !== undefined) {
    failed('inject', refusal)
    throw new Error(refusal)
  }
  await sleep(fault.afterMs, env.signal)
  if (env.signal.aborted) {
    return {}
  }
  const deadline = Date.now() + fault.durationMs + env.deadlineSlackMs
  const set = env.ruleSet?.(deadline) ?? new HostRuleSet(env.ledger, fault.id, deadline)
  try {
    await set.apply(hostRules(rules, ruleComment(env.runId)))
  } catch (error) {
    failed('inject', message(error))
    await set.heal().catch(() => undefined)
    return { failure: `inject failed: ${message(error)}` }
  }
  journal.emit({
    type: 'fault.injected',
    faultId: fault.id,
    stepId,
    faultType: fault.type,
    targets: [...new Set(rules.map((r) => r.peer))],
  })
  // Held until its duration, the part's end, or someone else removing a rule (then the
  // window ends now, as runFaultStep reports it, and the run cannot pass). AbortSignal.any,
  // not a listener: a stop or abort that came while the rules were being applied has already
  // fired, and must end the hold at once (review 14b #8).
  const hold = new AbortController()
  let early: ForeignUndo | undefined
  const stopListening = env.ledgerWatch?.listen(fault.id, (undo) => {
    early ??= undo
    hold.abort()
  })
  try {
    await sleep(fault.durationMs, AbortSignal.any([env.signal, hold.signal]))
  } finally {
    env.ledgerWatch?.check() // a removal just before ours is not ours
    stopListening?.()
  }
  try {
    await set.heal()
  } catch (error) {
    failed('revert', message(error))
    return { failure: `revert failed: ${message(error)}` }
  }
  if (early) {
    const reason = `${early.reason}: ${early.entry.undo.label}`
    journal.emit({
      type: 'fault.reverted',
      faultId: fault.id,
      early: { by: early.by, reason, at: early.at },
    })
    return { failure: `reverted early by ${early.by}: ${reason}` }
  }
  journal.emit({ type: 'fault.reverted', faultId: fault.id })
  return {}
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
