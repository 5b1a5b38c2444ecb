/**
 * Multi-host runs on the fleet (issue 14 item 5, design §6): a run placed with `parts` goes to
 * every named agent at once, one part each (`run` frame with `part`, run id
 * `<runId>.<logical>`, `<runId>.<logical>_<n>` on the n-th dispatch after a requeue). Each part is tracked on its connection like a placed run (its slot, its
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
import { FleetPartLink, plainAddress, runOfPartId } from './part-link.js'
import { ACCEPT_TIMEOUT_MS, type RunQueue } from './queue.js'
import type { QueuedRun } from './scheduler.js'

/** The run's end when the server restarted while it ran (design §6). */
export const RESTARTED_REASON =
  'the Chaos Center restarted during a multi-host run; its agents rolled back'
/** The run's end when the server restarted while its parts were being sent. */
export const RESTARTED_STARTING_REASON =
  'the Chaos Center restarted while the multi-host run was starting; its agents rolled back'
/** A failed append is tried again after these waits (the last one repeats for the journal). */
const APPEND_RETRY_MS = [100, 500, 1000, 2000, 5000]
/** After `stop`, a part gets its lease plus this to end before the coordinator aborts it. */
const STOP_GRACE_MS = 5000

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
  /** An abort that came while `#begin` awaited: handed to the coordinator once it exists. */
  abortRequested?: string
  /** The `run` frames went out: from then on its agents may run the parts. */
  sent?: boolean
}

export class PartsRuns {
  readonly #runs = new Map<string, CoordinatedRun>()
  /** Every part id still answered for: live parts, and retired ones until their agents end them. */
  readonly #parts = new Map<string, FleetPartLink>()
  /** Dispatch attempts per run: each attempt sends its own part ids. */
  readonly #attempts = new Map<string, number>()
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
    const attempt = (this.#attempts.get(runId) ?? 0) + 1
    this.#attempts.set(runId, attempt)
    const links = conns.map(({ logical, agent, conn }) => {
      const link = new FleetPartLink(runId, logical, agent, conn!, attempt)
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
      run.sent = true
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
    const run = this.#runOf(link)
    if (run === undefined || run.phase !== 'dispatching') {
      // It started anyway: it holds its slot until its agent reports the rollback's end.
      this.#holdRetired(conn, link)
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
    const run = this.#runOf(link)
    if (conn.runs.has(link.partId)) {
      // Taken on from a hello whose `accepted` was lost, then it failed to start.
      this.#lost(link, `${link.label} could not start its part: ${reason}`)
      return
    }
    if (link.retired && conn.pending.has(link.partId)) {
      this.#lost(link, `${link.label} rejected a part it no longer runs: ${reason}`)
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

  /** A `mark` counts only from the connection holding the part's stream (never ahead of it). */
  mark(conn: AgentConnection, link: FleetPartLink, mark: { seq: number; t: number }): void {
    if (link.conn === conn && conn.runs.has(link.partId)) {
      link.mark(mark)
    }
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
      const run = this.#runOf(link)
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
      if (link !== undefined && link.agent === conn.name && !link.settled && !link.retired) {
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
            link === undefined
              ? 'a part of a multi-host run this Chaos Center no longer coordinates (it restarted)'
              : link.retired
                ? 'its run was put back in the queue or ended before it started'
                : `its part is ${link.status}`,
        })
        if (link?.retired === true && link.agent === conn.name) {
          this.#lost(link, `${link.label} forgot a part its run no longer needs`)
        }
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
      const run = link && this.#runOf(link)
      if (link === undefined || run === undefined) {
        continue
      }
      this.deps.leases.disarm(partId)
      const wasPending = link.status === 'dispatched'
      this.#hold(conn, link, run, link.delivered)
      link.resend()
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
    if (run.phase === 'running') {
      // `#begin` is between its awaits: the run is `running` in the store, so only its
      // coordinator can end it; it gets the abort the moment it exists.
      run.abortRequested = reason
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
    // Two parts' `accepted` can both see every part running (their writes interleave): the
    // first begins, the second must not (it would take the run for cancelled and abort it).
    if (run.phase !== 'dispatching') {
      return
    }
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
        stopGraceMs: run.leaseMs + STOP_GRACE_MS,
      })
    } catch (error) {
      const reason = `the coordinator could not start: ${error instanceof Error ? error.message : String(error)}`
      this.#abortParts(run, reason)
      await this.#finish(run, () => recorder.interrupt(run.runId, reason))
      return
    }
    run.coordination = coordination
    if (run.abortRequested !== undefined) {
      coordination.abort('signal', run.abortRequested)
    }
    coordination.result.then(
      async () => {
        const unstored = await journal.close()
        await this.#finish(run, () =>
          unstored === undefined
            ? recorder.finish(run.runId)
            : recorder.interrupt(run.runId, unstored)
        )
      },
      async (error: unknown) => {
        await journal.close()
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
    this.#attempts.delete(run.runId)
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
    this.#settled(link)
  }

  #lost(link: FleetPartLink, reason: string): void {
    if (link.settled) {
      return
    }
    this.deps.log(`run ${link.runId}: ${reason}`)
    const conn = link.conn
    conn?.runs.delete(link.partId)
    conn?.pending.delete(link.partId)
    this.deps.leases.disarm(link.partId)
    link.lose(reason)
    this.#settled(link)
    const run = this.#runOf(link)
    if (run?.phase === 'dispatching') {
      // Lost before the run started (a revoked token, a failed start after a takeover): the
      // run ends now, not at its accept deadline.
      this.#abortParts(run, `${reason}; the run does not start`)
      this.#drop(run)
      void this.#endQueued(run.runId, reason).catch(this.deps.failed(`run ${run.runId}`))
    }
  }

  /** A part ended or was lost: its row written (a retired one is only forgotten). */
  #settled(link: FleetPartLink): void {
    if (link.retired) {
      this.#parts.delete(link.partId)
    } else {
      void this.#write(link).catch(this.deps.failed(`run ${link.runId}: ${link.label}`))
      const run = this.#runOf(link)
      if (run !== undefined) {
        this.#forgetIfSettled(run)
      }
    }
    this.deps.evaluate()
  }

  /** The run this link is a part of now (not an earlier attempt's). */
  #runOf(link: FleetPartLink): CoordinatedRun | undefined {
    const run = this.#runs.get(link.runId)
    return run?.links.includes(link) === true ? run : undefined
  }

  /** A retired part its agent started anyway: its stream is held so its end frees the slot. */
  #holdRetired(conn: AgentConnection, link: FleetPartLink): void {
    conn.runs.set(link.partId, {
      ackedSeq: link.delivered,
      tail: Promise.resolve(),
      late: false,
      leaseMs: this.deps.defaultLeaseMs,
    })
    link.conn = conn
    link.status = 'running'
  }

  #forgetIfSettled(run: CoordinatedRun): void {
    if (run.phase === 'ended' && run.links.every((link) => link.settled)) {
      this.#drop(run)
    }
  }

  /**
   * Forgets a run that did not start (or ended with every part settled). A part not settled yet
   * is retired, not forgotten: it keeps its slot until its agent reports the rollback's end,
   * rejects it or forgets it, or for a lease and its grace, so the scheduler does not send that
   * agent another run it would refuse as busy.
   */
  #drop(run: CoordinatedRun): void {
    if (this.#runs.get(run.runId) === run) {
      this.#runs.delete(run.runId)
    }
    const waitMs = run.leaseMs + LEASE_GRACE_MS
    for (const link of run.links) {
      if (link.settled || run.sent !== true) {
        // Never sent (or ended): nothing runs it, its slot is free at once.
        this.#parts.delete(link.partId)
        link.conn?.pending.delete(link.partId)
        continue
      }
      link.retired = true
      this.deps.timers.set(() => {
        if (!link.settled) {
          link.abort('the run no longer needs this part')
          this.#lost(link, `${link.label} did not end a part its run no longer needs`)
        }
      }, waitMs)
    }
    run.phase = 'ended'
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
    if (link.retired) {
      return // an earlier attempt: the run's rows are the current attempt's
    }
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

  /** `<runId>.<logical>[_<attempt>]` of a run placed with parts (this server restarted since). */
  async #isStalePart(partId: string): Promise<boolean> {
    const runId = runOfPartId(partId)
    if (runId === undefined) {
      return false
    }
    const run = await this.deps.store.getRunSummary(runId)
    return run?.placement !== undefined && 'parts' in run.placement
  }
}

/**
 * The coordinator's merged events into the recorder, in seq order: batched while an append is
 * under way. A failed append is tried again (backing off to 5 s) for as long as the run lasts,
 * since the coordinator cannot resend and a dropped batch would leave a gap in seq. Once the
 * run's result is in, `close` gives it the usual few tries more; if the journal still cannot be
 * stored, the run is interrupted with that reason instead of finished.
 */
class MergedJournal {
  #buffer: JournalEvent[] = []
  #tail: Promise<void> = Promise.resolve()
  #closing = false
  /** Why the journal could not be stored whole: once set, nothing more is appended. */
  #unstored: string | undefined

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

  /** The run's result is in: resolves once every event is stored, or with why not. */
  async close(): Promise<string | undefined> {
    this.#closing = true
    await this.#tail
    return this.#unstored
  }

  async #flush(): Promise<void> {
    const batch = this.#buffer
    this.#buffer = []
    if (this.#unstored !== undefined) {
      return // an earlier batch is missing: appending later seqs would hide the gap
    }
    let triesAfterClose = 0
    for (let attempt = 0; ; attempt++) {
      try {
        await this.recorder.append(this.runId, batch)
        return
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        if (this.#closing && triesAfterClose++ >= APPEND_RETRY_MS.length) {
          this.failed(`run ${this.runId}: storing ${batch.length} merged event(s)`)(error)
          this.#unstored = `the run's journal could not be stored from seq ${batch[0]?.seq}: ${message}`
          return
        }
        const wait = APPEND_RETRY_MS[Math.min(attempt, APPEND_RETRY_MS.length - 1)]!
        await sleep(this.timers, wait)
      }
    }
  }
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.set(resolve, ms))
}
