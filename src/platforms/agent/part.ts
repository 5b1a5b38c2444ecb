/**
 * One part of a multi-host run (issue 14 item 5, design §6): what the Chaos Center's
 * coordinator asks of the agent holding a logical host (`spec.system.agents[i]`), and what it
 * answers. The coordinator owns the one timeline (steps, probe schedule, scoring, the merged
 * journal); each part is an ordinary run process on its agent (own ledger, watchdog, run lock,
 * durable journal, dead-man lease) that starts only its own services and then does what it is
 * told, step by step. Each part undoes only its own work.
 *
 * The part is placed with the usual `run` frame (same manifest YAML and bundle: every part loads
 * and checks the whole manifest) carrying `part`; its run id is `<runId>.<logical>`. After
 * `accepted`, the coordinator sends `command` frames and the agent answers each with one `reply`
 * of the same id. The part's journal streams back with `events` as for any placed run; the
 * coordinator merges them (clock offsets taken out) into the run's one journal.
 *
 * Order of commands: `prepare` once, `start` once, then any number of `fault`, `probe` and
 * `load` (concurrently: steps run in parallel), then `stop`. `abort` (the existing frame)
 * ends the part at any time; so does its lease.
 * @module
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import { LOGICAL_AGENT_PATTERN } from '../../shared/logical-agent.js'

export { LOGICAL_AGENT_PATTERN } from '../../shared/logical-agent.js'

/** `<runId>.<logical>`: the run id of the part a logical host runs. */
export function partRunId(runId: string, logical: string): string {
  return `${runId}.${logical}`
}

const id = z.string().min(1).max(500)
const address = z.string().min(1).max(64)

/** Template variables (src/shared/template.ts), checked only for being JSON objects. */
const templateVars = z.record(z.string(), z.unknown())

/**
 * One side of a cross-host partition: drop what this part's host sends to `peer` (OUTPUT -d)
 * or receives from it (INPUT -s), in the agent's own network namespace. Applying it needs
 * `ordeal agent --allow-host-network`; a peer that is the agent's Chaos Center is refused.
 */
export const partRuleSchema = z.object({
  chain: z.enum(['INPUT', 'OUTPUT']),
  // An IP address only: iptables would resolve a name, or take a CIDR that covers the Center.
  peer: address.refine((peer) => isIP(peer) !== 0, 'must be an IP address'),
})
export type PartRule = z.infer<typeof partRuleSchema>

export const partCommandSchema = z.discriminatedUnion('kind', [
  /**
   * Lay out this part's services (ports picked, data dirs made), nothing started yet. `address`
   * is where the other hosts reach this one: it becomes `{{services.S.host}}` of its services.
   * Reply value: {@link PreparedValue}.
   */
  z.object({ kind: z.literal('prepare'), address }),
  /**
   * Start this part's services, knowing the other parts' (`remote`: their `services` template
   * variables, host included). Replies once they are ready ({}), or ok:false with why not.
   */
  z.object({ kind: z.literal('start'), remote: templateVars }),
  /**
   * Carry out the fault step `stepId` of the manifest here, whole: `after`, inject, hold for
   * its duration, revert (design: each agent keeps the timing of what it holds, so a lost
   * coordinator cannot stretch a fault). `rules`: this side of a cross-host partition, instead
   * of the fault's own driver. Reply value: {@link FaultValue}, once reverted.
   */
  z.object({
    kind: z.literal('fault'),
    stepId: id,
    rules: z.array(partRuleSchema).max(256).optional(),
    /** The run's seed: the part draws a ranged `after` / `interval` from it (timing-draw.ts). */
    seed: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  /** One check of probe `probeId` (bounded by its timeout) from here. Reply: {@link ProbeValue}. */
  z.object({ kind: z.literal('probe'), probeId: id }),
  /** Run the load step `stepId` from here. Reply: {} once it ended (its events stream). */
  z.object({ kind: z.literal('load'), stepId: id }),
  /** Tear down (faults, services, ledger) and end the part's journal. Reply: {}. */
  z.object({ kind: z.literal('stop') }),
])
export type PartCommand = z.infer<typeof partCommandSchema>

export interface PreparedValue {
  /** This part's services' template variables, `{ S: { host, ports, dataDir, replicas } }`. */
  services: Record<string, unknown>
}
export interface FaultValue {
  /** Why the fault failed (inject/revert failed, reverted early), as runFaultStep returns it. */
  failure?: string
}
export interface ProbeValue {
  passed: boolean
  message: string
}

export const partReplySchema = z.union([
  z.object({ id: z.number().int().nonnegative(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    id: z.number().int().nonnegative(),
    ok: z.literal(false),
    error: z.string().max(8192),
  }),
])
export type PartReply = z.infer<typeof partReplySchema>

/** The `part` field of a `run` frame. */
export const partSpecSchema = z.object({
  /** The logical host this part is (`spec.system.agents[].name`). */
  name: z.string().regex(LOGICAL_AGENT_PATTERN),
  /** The Chaos Center's address as this agent reaches it: a partition rule naming it is refused. */
  centerAddress: address.optional(),
})
export type PartSpec = z.infer<typeof partSpecSchema>
