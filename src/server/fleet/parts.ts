/**
 * Multi-host runs on the fleet (issue 14 item 5, design §6): a run placed with `parts` goes to
 * every named agent at once, one part each (`run` frame with `part`, run id
 * `<runId>.<logical>`). Each part is tracked on its connection like a placed run (its slot, its
 * lease, resume, revocation), but its journal goes to the coordinator (coordinate.ts, through
 * a FleetPartLink) instead of the recorder; the coordinator's merged journal is the run's, and
 * goes to the recorder as an agent run's does. Once every part is accepted the run is
 * `running` and the coordinator starts; a part rejected before that ends the run `error`.
 * A coordinated run does not outlive its coordinator: a server restart ends it interrupted and
 * its parts are forgotten (their agents roll them back).
 * @module
 */
import type { Recorder } from '../context.js'
import type { Store } from '../store/contract.js'
import type { JournalEvent } from '../../engine/events.js'
import type { Experiment } from '../../experiment/model.js'
import type { CoordinateArgs, Coordination } from '../../platforms/agent/coordinator/link.js'
import type { AgentRunReport, EventsFrame, Resume } from '../../platforms/agent/protocol.js'
import type { PartReply } from '../../platforms/agent/part.js'
import type { RunSummary } from '../../shared/api.js'
import { formatDuration } from '../../shared/duration.js'
import type { AgentConnection, RunStream } from './connection.js'
import { notPlaced } from './ingest.js'
import { LEASE_GRACE_MS, type Leases, type Timers } from './leases.js'
import type { LoadPartsExperiment } from './part-manifest.js'
import { FleetPartLink, plainAddress } from './part-link.js'
import { ACCEPT_TIMEOUT_MS, type RunQueue } from './queue.js'
import type { QueuedRun } from './scheduler.js'

/** The run's end when the server restarted while it ran (design §6). */
export const RESTARTED_REASON =
  'the Chaos Center restarted during a multi-host run; its agents rolled back'
/** The run's end when the server restarted while its parts were being sent. */
export const RESTARTED_STARTING_REASON =
  'the Chaos Center restarted while the multi-host run was starting; its agents rolled back'
/** A failed append of the merged journal is tried again this often (the store is back soon). */
const APPEND_RETRY_MS = [100, 500, 1000, 2000, 5000]

export type Coordinate = (args: CoordinateArgs) => Coordination

export interface PartsDeps {
  store: Store
  recorder: Recorder
  queue: RunQueue
  leases: Leases
  timers: Timers
  connections: ReadonlyMap<string, AgentConnection>
  coordinate: Coordinate
  loadExperiment: LoadPartsExperiment
  defaultLeaseMs: number
  log(line: string): void
  failed(what: string): (error: unknown) => void
  now(): number
  /** A slot freed or a run changed: the queue looks again. */
  evaluate(): void
}

interface CoordinatedRun {
  runId: string
  experimentName: string
  leaseMs: number
  phase: 'dispatching' | 'running' | 'ended'
  links: FleetPartLink[]
  /** Loaded at dispatch, for the coordinator. */
  experiment?: Experiment
  coordination?: Coordination
}

export class PartsRuns {
  readonly #runs = new Map<string, CoordinatedRun>()
  readonly #parts = new Map<string, FleetPartLink>()
  stopped = false

  constructor(private readonly deps: PartsDeps) {}

  /** The part with this run id (`<runId>.<logical>`), while the fleet coordinates its run. */
  part(partId: string): FleetPartLink | undefined {
    return this.#parts.get(partId)
  }

  /**
   * The scheduler reserved every agent (a free slot each): each takes its slot now, before the
   * first await, so the next evaluation sees them; then the manifest is loaded and the parts
   * go out. Anything that keeps one part from going out puts the whole run back in the queue.
   */
  async dispatch(entry: QueuedRun, parts: Record<string, string>): Promise<void> {
    const { store, queue, connections } = this.deps
    const { runId } = entry
    const conns = Object.entries(parts).map(([logical, agent]) => ({
      logical,
      agent,
      conn: connections.get(agent),
    }))
    if (this.#runs.has(runId) || conns.some(({ conn }) => conn?.ready !== true)) {
      queue.putBack(entry)
      return
    }
    const links = conns.map(({ logical, agent, conn }) => {
      const link = new FleetPartLink(runId, logical, agent, conn!)
      conn!.pending.add(link.partId)
      return link
    })
    const run: CoordinatedRun = {
      runId,
      experimentName: '',
      leaseMs: this.deps.defaultLeaseMs,
      phase: 'dispatching',
      links,
    }
    this.#runs.set(runId, run)
    for (const link of links) {
      this.#parts.set(link.partId, link)
    }
    const agents = links.map((link) => link.agent).join(', ')
    try {
      if (!(await store.markDispatched(runId, agents, `sent to ${agents}, waiting for them`))) {
        this.#drop(run) // cancelled or timed out meanwhile
        queue.forget(runId)
        return
      }
      const summary = await queue.publishStatus(runId)
      const version =
        summary &&
        (await store.getExperimentVersion(summary.experimentId, summary.experimentVersion))
      if (summary === undefined || version === undefined) {
        throw new Error(`run ${runId} or its experiment version is gone`)
      }
      run.experimentName = summary.experimentName
      run.leaseMs = summary.leaseMs ?? this.deps.defaultLeaseMs
      const bundle = await store.getBundle(runId)
      let experiment: Experiment
      try {
        experiment = await this.deps.loadExperiment({
          yaml: version.yaml,
          vars: bundle?.vars ?? {},
          ...(bundle?.data !== undefined ? { bundle: bundle.data } : {}),
        })
      } catch (error) {
        const line = `the manifest cannot run on several hosts: ${(error as Error).message}`
        this.#drop(run)
        await this.#endQueued(runId, line)
        return
      }
      run.experiment = experiment
      if (
        run.phase !== 'dispatching' ||
        links.some((link) => link.conn?.pending.has(link.partId) !== true)
      ) {
        return // an agent dropped or the run was cancelled meanwhile: handled there
      }
      for (const link of links) {
        await this.#write(link)
      }
      for (const link of links) {
        link.conn!.send({
          type: 'run',
          runId: link.partId,
          experiment: summary.experimentName,
          yaml: version.yaml,
          vars: bundle?.vars ?? {},
          ...(bundle?.data !== undefined ? { bundle: bundle.data } : {}),
          leaseMs: run.leaseMs,
          startedBy: summary.startedByName,
          part: {
            name: link.logical,
            ...(link.conn!.localAddress
              ? { centerAddress: plainAddress(link.conn!.localAddress) }
              : {}),
          },
        })
      }
      this.deps.log(`run ${runId} sent to ${links.map((l) => `${l.label}`).join(', ')}`)
      this.#armAcceptDeadline(
        run,
        entry,
        Math.min(entry.deadline, this.deps.now() + ACCEPT_TIMEOUT_MS)
      )
    } catch (error) {
      if (run.phase === 'dispatching') {
        await this.#requeue(run, entry, `could not be sent to ${agents}; waiting for them again`)
      }
      throw error
    }
  }

  /** `accepted` of a part: its slot becomes a run stream; the last one starts the coordinator. */
  async accepted(conn: AgentConnection, link: FleetPartLink): Promise<void> {
    if (conn.runs.has(link.partId)) {
      return // a resent run answered again
    }
    if (!conn.pending.delete(link.partId)) {
      conn.send(notPlaced(link.partId, conn.name))
      return
    }
    const run = this.#runs.get(link.runId)
    if (run === undefined || run.phase !== 'dispatching') {
      conn.send({ type: 'abort', runId: link.partId, reason: 'the run is no longer starting' })
      return
    }
    this.#hold(conn, link, run, -1)
    await this.#write(link)
    if (run.links.every((part) => part.status === 'running')) {
      await this.#begin(run)
    }
  }

  /** `rejected` of a part: before the run started it ends the run; busy puts it back. */
  async rejected(
    conn: AgentConnection,
    link: FleetPartLink,
    reason: string,
    busy: boolean,
    entry: QueuedRun | undefined
  ): Promise<void> {
    const run = this.#runs.get(link.runId)
    if (conn.runs.has(link.partId)) {
      // Taken on from a hello whose `accepted` was lost, then it failed to start.
      this.#lost(link, `${link.label} could not start its part: ${reason}`)
      return
    }
    if (!conn.pending.delete(link.partId) || run === undefined) {
      conn.send(notPlaced(link.partId, conn.name))
      return
    }
    if (run.phase !== 'dispatching') {
      this.#lost(link, `${link.label} rejected its part: ${reason}`)
      return
    }
    if (busy && entry !== undefined) {
      await this.#requeue(run, entry, `${link.label} is busy (${reason}); waiting for a free slot`)
      return
    }
    const line = `${link.label} rejected its part: ${reason}`
    this.deps.log(`run ${link.runId}: ${line}`)
    link.status = 'lost'
    link.reason = reason
    await this.#write(link)
    this.#abortParts(run, `${line}; the run does not start`)
    this.#drop(run)
    await this.#endQueued(run.runId, line)
  }

  /** An `events` frame of a part: delivered once per seq, acked; `run.ended` ends the part. */
  events(conn: AgentConnection, link: FleetPartLink, frame: EventsFrame): void {
    const stream = conn.runs.get(link.partId)
    if (stream === undefined) {
      conn.send(notPlaced(link.partId, conn.name))
      return
    }
    const ended = frame.events.find((event) => event.type === 'run.ended')
    if (ended !== undefined) {
      stream.endedSeq = ended.seq
    }
    stream.ackedSeq = link.deliver(frame.events)
    conn.send({ type: 'ack', runId: link.partId, seq: stream.ackedSeq })
    if (stream.endedSeq !== undefined && stream.ackedSeq >= stream.endedSeq) {
      this.#ended(conn, link)
    }
  }

  mark(link: FleetPartLink, mark: { seq: number; t: number }): void {
    link.mark(mark)
  }

  reply(link: FleetPartLink, reply: PartReply): void {
    link.reply(reply)
  }

  /** The agent's `ended`: nothing more comes for the part. */
  endedFrame(conn: AgentConnection, link: FleetPartLink): void {
    if (!conn.runs.has(link.partId)) {
      return
    }
    const stream = conn.runs.get(link.partId)!
    if (stream.endedSeq !== undefined && stream.ackedSeq >= stream.endedSeq) {
      this.#ended(conn, link)
    } else {
      // Ended without its run.ended delivered: its journal is cut short.
      conn.runs.delete(link.partId)
      this.#lost(link, `${link.label} ended its part without reporting its end`)
      this.deps.evaluate()
    }
  }

  /** The part's lease lapsed with its agent away. */
  lapsed(link: FleetPartLink, leaseMs: number): void {
    this.#lost(
      link,
      `${link.label} was lost for ${formatDuration(leaseMs)} (lease): it rolls its part back by itself`
    )
  }

  /** Its agent's token was revoked (or expired): the agent rolls back and exits. */
  revoked(link: FleetPartLink, reason: string): void {
    this.#lost(link, reason)
  }

  /**
   * An agent dropped: a part sent and not yet accepted puts its run back in the queue (the
   * other parts are aborted); accepted parts wait on their leases (the caller arms them).
   */
  dropped(conn: AgentConnection, entryOf: (runId: string) => QueuedRun | undefined): void {
    for (const partId of [...conn.pending]) {
      const link = this.#parts.get(partId)
      if (link === undefined) {
        continue
      }
      conn.pending.delete(partId)
      const run = this.#runs.get(link.runId)
      const entry = entryOf(link.runId)
      if (run?.phase === 'dispatching' && entry !== undefined) {
        void this.#requeue(run, entry, `${link.label} dropped before starting its part`).catch(
          this.deps.failed(`run ${link.runId}: requeue`)
        )
      }
    }
    for (const partId of conn.runs.keys()) {
      const link = this.#parts.get(partId)
      if (link?.conn === conn) {
        link.conn = undefined
      }
    }
  }

  /**
   * The parts an agent's hello reports: a live one resumes on the new connection (from what
   * was delivered); one of a run this server no longer coordinates (it restarted) is forgotten,
   * so its agent rolls it back. The rest are ordinary runs, for planResume.
   */
  async resume(
    conn: AgentConnection,
    reported: readonly AgentRunReport[]
  ): Promise<{ resume: Resume[]; rest: AgentRunReport[]; continued: string[] }> {
    const resume: Resume[] = []
    const rest: AgentRunReport[] = []
    const continued: string[] = []
    for (const report of reported) {
      const link = this.#parts.get(report.runId)
      if (link !== undefined && link.agent === conn.name && !link.settled) {
        resume.push({ runId: report.runId, ackedSeq: link.delivered, action: 'continue' })
        continued.push(report.runId)
        continue
      }
      if (link !== undefined || (await this.#isStalePart(report.runId))) {
        resume.push({
          runId: report.runId,
          ackedSeq: -1,
          action: 'forget',
          reason:
            link !== undefined
              ? `its part is ${link.status}`
              : 'a part of a multi-host run this Chaos Center no longer coordinates (it restarted)',
        })
        continue
      }
      rest.push(report)
    }
    return { resume, rest, continued }
  }

  /** After the welcome: the resumed parts take their streams on the new connection. */
  continued(conn: AgentConnection, partIds: readonly string[]): void {
    for (const partId of partIds) {
      const link = this.#parts.get(partId)
      const run = link && this.#runs.get(link.runId)
      if (link === undefined || run === undefined) {
        continue
      }
      this.deps.leases.disarm(partId)
      const wasPending = link.status === 'dispatched'
      this.#hold(conn, link, run, link.delivered)
      if (wasPending) {
        void this.#write(link)
          .then(() =>
            run.phase === 'dispatching' && run.links.every((part) => part.status === 'running')
              ? this.#begin(run)
              : undefined
          )
          .catch(this.deps.failed(`run ${run.runId}: resuming ${link.label}`))
      }
    }
  }

  /** Parts the server holds for this agent that its hello left out: it lost them. */
  missing(conn: AgentConnection, reported: readonly AgentRunReport[]): void {
    const names = new Set(reported.map((report) => report.runId))
    for (const link of this.#parts.values()) {
      if (link.agent === conn.name && link.status === 'running' && !names.has(link.partId)) {
        this.deps.leases.disarm(link.partId)
        this.#lost(link, `${link.label} restarted without its part's state`)
      }
    }
  }

  /**
   * Abort from the UI or the API: a running run's coordinator stops it (every part is told); a
   * run still starting is cancelled, its sent parts aborted. False: not a coordinated run.
   */
  async abort(runId: string, reason: string, cancelReason: string): Promise<boolean> {
    const run = this.#runs.get(runId)
    if (run === undefined) {
      return false
    }
    if (run.coordination !== undefined) {
      run.coordination.abort('signal', reason)
      return true
    }
    this.#abortParts(run, reason)
    this.#drop(run)
    this.deps.queue.forget(runId)
    await this.#endQueued(runId, cancelReason, 'cancelled')
    return true
  }

  /** The server stops: every part is aborted (a coordinated run cannot outlive this process). */
  shutdown(): void {
    this.stopped = true
    for (const run of this.#runs.values()) {
      this.#abortParts(run, 'the Chaos Center is stopping; a multi-host run ends with it')
    }
  }

  /** Server start: a parts run left `running` (or sent) ended with its coordinator. */
  async interruptStale(runs: readonly RunSummary[]): Promise<number> {
    let count = 0
    for (const run of runs) {
      if (run.placement === undefined || !('parts' in run.placement)) {
        continue
      }
      const reason = run.status === 'queued' ? RESTARTED_STARTING_REASON : RESTARTED_REASON
      if (run.status === 'queued') {
        await this.deps.queue.endQueued(run.id, {
          status: 'cancelled',
          verdict: 'interrupted',
          reason,
        })
      } else {
        await this.deps.recorder.interrupt(run.id, reason)
      }
      for (const part of await this.deps.store.listRunParts(run.id)) {
        if (part.status === 'dispatched' || part.status === 'running') {
          await this.deps.store.putRunPart({ ...part, status: 'lost', reason })
        }
      }
      count++
    }
    return count
  }

  // ---------------------------------------------------------------------------------------

  #hold(conn: AgentConnection, link: FleetPartLink, run: CoordinatedRun, ackedSeq: number): void {
    const stream: RunStream = {
      ackedSeq,
      tail: Promise.resolve(),
      late: false,
      leaseMs: run.leaseMs,
    }
    conn.runs.set(link.partId, stream)
    link.conn = conn
    link.status = 'running'
  }

  /** Every part accepted: the run is `running` and its one timeline starts. */
  async #begin(run: CoordinatedRun): Promise<void> {
    const { store, queue, recorder } = this.deps
    const agents = run.links.map((link) => link.agent).join(', ')
    const at = new Date(this.deps.now()).toISOString()
    run.phase = 'running'
    if (!(await store.markRunning(run.runId, agents, at))) {
      this.#abortParts(run, 'the run was cancelled before it started')
      this.#drop(run)
      return
    }
    queue.forget(run.runId)
    await queue.publishStatus(run.runId)
    recorder.watchAgentRun(run.runId, run.experimentName)
    this.deps.log(`run ${run.runId} started on ${agents}`)
    const journal = new MergedJournal(run.runId, recorder, this.deps.timers, this.deps.failed)
    let coordination: Coordination
    try {
      coordination = this.deps.coordinate({
        runId: run.runId,
        experiment: run.experiment!,
        parts: run.links,
        onEvent: (event) => journal.add(event),
        now: this.deps.now,
      })
    } catch (error) {
      const reason = `the coordinator could not start: ${error instanceof Error ? error.message : String(error)}`
      this.#abortParts(run, reason)
      await this.#finish(run, () => recorder.interrupt(run.runId, reason))
      return
    }
    run.coordination = coordination
    coordination.result.then(
      async () => {
        await journal.drained()
        await this.#finish(run, () => recorder.finish(run.runId))
      },
      async (error: unknown) => {
        await journal.drained()
        const reason = `the coordinator failed: ${error instanceof Error ? error.message : String(error)}`
        this.#abortParts(run, reason)
        await this.#finish(run, () => recorder.interrupt(run.runId, reason))
      }
    )
  }

  async #finish(run: CoordinatedRun, end: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await end()
        break
      } catch (error) {
        if (this.stopped || attempt >= APPEND_RETRY_MS.length) {
          this.deps.failed(`run ${run.runId}: finishing`)(error)
          break
        }
        await sleep(this.deps.timers, APPEND_RETRY_MS[attempt]!)
      }
    }
    run.phase = 'ended'
    // The parts' streams stay until their agents report their ends (their slots with them),
    // for as long as a lost agent gets: a part that never ends must not hold its slot forever.
    const waitMs = run.leaseMs + LEASE_GRACE_MS
    this.deps.timers.set(() => {
      for (const link of run.links.filter((part) => !part.settled)) {
        const reason = `${link.label} did not end its part within ${formatDuration(waitMs)} of the run's end`
        link.abort(reason)
        this.#lost(link, reason)
      }
    }, waitMs)
    for (const link of run.links) {
      await this.#write(link).catch(this.deps.failed(`run ${run.runId}: its parts`))
    }
    await this.deps.store
      .deleteBundle(run.runId)
      .catch(this.deps.failed(`run ${run.runId}: bundle`))
    this.#forgetIfSettled(run)
    this.deps.evaluate()
  }

  #ended(conn: AgentConnection, link: FleetPartLink): void {
    if (conn.runs.delete(link.partId)) {
      conn.finished.add(link.partId)
    }
    this.deps.leases.disarm(link.partId)
    link.end()
    void this.#write(link).catch(this.deps.failed(`run ${link.runId}: ${link.label}`))
    const run = this.#runs.get(link.runId)
    if (run !== undefined) {
      this.#forgetIfSettled(run)
    }
    this.deps.evaluate()
  }

  #lost(link: FleetPartLink, reason: string): void {
    if (link.settled) {
      return
    }
    this.deps.log(`run ${link.runId}: ${reason}`)
    const conn = link.conn
    if (conn !== undefined && conn.runs.get(link.partId) !== undefined) {
      conn.runs.delete(link.partId)
    }
    this.deps.leases.disarm(link.partId)
    link.lose(reason)
    void this.#write(link).catch(this.deps.failed(`run ${link.runId}: ${link.label}`))
    const run = this.#runs.get(link.runId)
    if (run !== undefined) {
      this.#forgetIfSettled(run)
    }
    this.deps.evaluate()
  }

  #forgetIfSettled(run: CoordinatedRun): void {
    if (run.phase === 'ended' && run.links.every((link) => link.settled)) {
      this.#drop(run)
    }
  }

  /** Forgets the run and every part of it (their slots freed on their connections). */
  #drop(run: CoordinatedRun): void {
    this.#runs.delete(run.runId)
    for (const link of run.links) {
      this.#parts.delete(link.partId)
      link.conn?.pending.delete(link.partId)
      if (link.conn?.runs.has(link.partId) === true && run.phase !== 'ended') {
        link.conn.runs.delete(link.partId)
      }
    }
    if (run.phase !== 'ended') {
      run.phase = 'ended'
    }
    this.deps.evaluate()
  }

  #abortParts(run: CoordinatedRun, reason: string): void {
    for (const link of run.links) {
      if (!link.settled) {
        link.abort(reason)
      }
    }
  }

  async #requeue(run: CoordinatedRun, entry: QueuedRun, reason: string): Promise<void> {
    this.#abortParts(run, `${reason}; the run goes back to the queue`)
    this.#drop(run)
    await this.deps.queue.requeueEntry(entry, reason)
    this.deps.evaluate()
  }

  async #endQueued(
    runId: string,
    reason: string,
    status: 'finished' | 'cancelled' = 'finished'
  ): Promise<void> {
    await this.deps.queue.endQueued(runId, {
      status,
      verdict: status === 'finished' ? 'error' : 'interrupted',
      reason,
    })
    this.deps.evaluate()
  }

  #armAcceptDeadline(run: CoordinatedRun, entry: QueuedRun, at: number): void {
    const waitedMs = Math.max(0, at - this.deps.now())
    this.deps.timers.set(() => {
      if (this.stopped || this.#runs.get(run.runId) !== run || run.phase !== 'dispatching') {
        return
      }
      const slow = run.links.filter((link) => link.status === 'dispatched')
      const reason = `${slow.map((link) => link.label).join(', ')} did not answer within ${Math.round(waitedMs / 1000)} s`
      this.deps.log(`run ${run.runId}: ${reason}`)
      void this.#requeue(run, entry, `${reason}; waiting for the agents again`).catch(
        this.deps.failed(`run ${run.runId}: requeue`)
      )
    }, waitedMs)
  }

  /** The part's row, with its agent's clock estimate now. */
  async #write(link: FleetPartLink): Promise<void> {
    const clock = link.clock()
    await this.deps.store.putRunPart({
      runId: link.runId,
      logical: link.logical,
      agent: link.agent,
      status: link.status,
      lastSeq: link.delivered,
      ...(clock !== undefined
        ? { clockOffsetMs: clock.offsetMs, clockErrorMs: clock.errorMs }
        : {}),
      ...(link.reason !== undefined ? { reason: link.reason } : {}),
    })
  }

  /** `<runId>.<logical>` of a run placed with parts (this server restarted since). */
  async #isStalePart(partId: string): Promise<boolean> {
    const dot = partId.lastIndexOf('.')
    if (dot <= 0) {
      return false
    }
    const run = await this.deps.store.getRunSummary(partId.slice(0, dot))
    return run?.placement !== undefined && 'parts' in run.placement
  }
}

/**
 * The coordinator's merged events into the recorder, in seq order: batched while an append is
 * under way, each failed append tried again a few times (the coordinator cannot resend).
 */
class MergedJournal {
  #buffer: JournalEvent[] = []
  #tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly runId: string,
    private readonly recorder: Pick<Recorder, 'append'>,
    private readonly timers: Timers,
    private readonly failed: (what: string) => (error: unknown) => void
  ) {}

  add(event: JournalEvent): void {
    this.#buffer.push(event)
    if (this.#buffer.length === 1) {
      this.#tail = this.#tail.then(() => this.#flush())
    }
  }

  drained(): Promise<void> {
    return this.#tail
  }

  async #flush(): Promise<void> {
    const batch = this.#buffer
    this.#buffer = []
    for (let attempt = 0; ; attempt++) {
      try {
        await this.recorder.append(this.runId, batch)
        return
      } catch (error) {
        if (attempt >= APPEND_RETRY_MS.length) {
          this.failed(`run ${this.runId}: storing ${batch.length} merged event(s)`)(error)
          return
        }
        await sleep(this.timers, APPEND_RETRY_MS[attempt]!)
      }
    }
  }
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.set(resolve, ms))
}
