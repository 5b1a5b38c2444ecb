/**
 * What the coordinator of a multi-host run (coordinate.ts) holds of each part: the seam
 * between the engine side (one timeline, the merged journal) and the Chaos Center's fleet,
 * which implements it over the agents' WebSockets (server/fleet/parts.ts). Tests of the
 * coordinator's logic give it in-memory links; the e2e tests give it real agents.
 * @module
 */
import type { AbortKind, JournalEvent } from '../../../engine/events.js'
import type { Experiment } from '../../../experiment/model.js'
import type { RunResult } from '../../../engine/result.js'
import type { PartCommand } from '../part.js'

/** The agent's clock against the Chaos Center's (server/fleet/clock.ts's estimate). */
export interface PartClock {
  /** Agent clock minus server clock, ms. */
  offsetMs: number
  /** The offset is right within ± this. */
  errorMs: number
}

export interface PartLink {
  /** The logical host (`spec.system.agents[].name`). */
  readonly logical: string
  /** The registered agent holding it (`edge-1`). */
  readonly agent: string
  /**
   * Where the other hosts reach this one: `{{services.S.host}}` of its services. The agent's
   * address as the Chaos Center sees its connection, so two agents behind one NAT or proxy
   * share it (a partition between them is refused: targets.ts).
   */
  readonly address: string
  /**
   * The agent shares the Chaos Center's host: its address is loopback or one of the server's
   * own. A partition naming it would cut the Chaos Center off the other agents: refused.
   */
  readonly onCenterHost: boolean
  /**
   * Sends the command, resolves with the reply's value; rejects with the reply's error, or with
   * why the part was lost if it is lost before replying.
   */
  command(command: PartCommand): Promise<unknown>
  /** The current estimate (undefined before the first pong: then offset 0, error unknown). */
  clock(): PartClock | undefined
  /**
   * Each batch of the part's own journal events as it arrives: the part's seqs (contiguous,
   * each once) and `t` on the agent's clock. Listeners added before the part starts see all.
   */
  onEvents(listener: (events: JournalEvent[]) => void): void
  /** Each `mark` of the part: nothing else was journaled before `t` (agent clock). */
  onMark(listener: (mark: { seq: number; t: number }) => void): void
  /**
   * Settles once the part is gone for good without ending: its agent's lease ran out without a
   * frame, its token was revoked, the agent rejected it. The value is the reason, for the journal.
   */
  readonly lost: Promise<string>
  /** Settles once the part's journal reached `run.ended` (every event of it was delivered). */
  readonly ended: Promise<void>
  /** Asks the agent to abort the part (the `abort` frame): it rolls back and ends its journal. */
  abort(reason: string): void
}

/**
 * The coordinator's entry (coordinate.ts): runs the experiment's one timeline over its parts
 * and ends with the verdict. Every merged event goes to `onEvent` in seq order, once.
 */
export interface CoordinateArgs {
  runId: string
  /** Loaded on the Chaos Center from the run's manifest and bundle; never executed locally. */
  experiment: Experiment
  /** One per `spec.system.agents` entry, each already accepted by its agent. */
  parts: PartLink[]
  onEvent(event: JournalEvent): void
  now?: () => number
  /**
   * After `stop`, how long a part may take to end before it is aborted and counted lost (so a
   * stop lost with a socket cannot hold the run). The fleet passes its lease plus a grace.
   * @default 30_000
   */
  stopGraceMs?: number
  /**
   * The seed of the run's randomised fault timing, sent with each fault so every part draws
   * the values a local run with this seed would. @default a random seed, journaled
   */
  seed?: number
}

export interface Coordination {
  /** Stops the run (UI abort, deadline, a part lost): every part is told to stop. */
  abort(kind: AbortKind, reason: string): void
  result: Promise<RunResult>
}
