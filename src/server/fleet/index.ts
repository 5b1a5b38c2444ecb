/**
 * The fleet: the server side of remote agents (`ordeal agent`). It accepts their WebSockets
 * (route.ts, socket.ts), keeps them alive or declares them dead (heartbeat.ts), places queued
 * runs on them (scheduler.ts, queue.ts), takes in their journals (ingest.ts), ends the runs of
 * agents lost for longer than the lease (leases.ts) and resumes them when the agent comes back
 * (resume.ts). Connection state lives in memory only; the store holds runs, agents' rows and
 * bundles, so a restarted server rebuilds the queue and the leases from it.
 * @module
 */
import type { WebSocket } from 'ws'
import type { Fleet, Recorder, RunBus, ServerMetrics } from '../context.js'
import type { Caller } from '../http/route.js'
import type { AgentRecord, Store } from '../store/contract.js'
import {
  ENDED_STATUSES,
  type AgentInfo,
  type Placement,
  type RunSummary,
} from '../../shared/api.js'
import { formatDuration } from '../../shared/duration.js'
import {
  AGENT_PROTOCOL,
  CLOSE,
  WORKLOAD_WATCH_FEATURE,
  type EventsFrame,
  type FromAgent,
  type Hello,
} from '../../platforms/agent/protocol.js'
import { agentInfos } from './agent-info.js'
import { clockSample } from './clock.js'
import { AgentConnection, type RunStream } from './connection.js'
import { heartbeatAction, tickMs } from './heartbeat.js'
import { ingestEvents, notPlaced } from './ingest.js'
import { LEASE_GRACE_MS, Leases, realTimers, type Timers } from './leases.js'
import type { AgentView } from './placement.js'
import { planResume } from './resume.js'
import { RunQueue } from './queue.js'
import type { QueuedRun } from './scheduler.js'
import { listen, type Pong } from './socket.js'
import { loadPartsExperiment, type LoadPartsExperiment } from './part-manifest.js'
import { PartsRuns, RESTARTED_REASON, type Coordinate } from './parts.js'
import type { FleetPartLink } from './part-link.js'
import { workloadTriggerEvent } from './workload-changed.js'
import { UnmatchedCount } from './workload-unmatched.js'
import { WorkloadRate } from './workload-rate.js'
import type { TriggerEvent } from '../triggers/contract.js'

export { DEFAULT_HEARTBEAT_MS, HEARTBEAT_MAX_MS, HEARTBEAT_MIN_MS } from './heartbeat.js'
export { DEFAULT_LEASE_MS } from './leases.js'
export { DEFAULT_QUEUE_TIMEOUT_MS } from './scheduler.js'

/** Each connection's token is looked up again this often (expiry, a revoke missed). */
const TOKEN_SWEEP_MS = 30_000
/** The queue's timeouts are checked this often. */
const EVALUATE_MS = 1000
/** `last_heartbeat_at` is written at most this often per agent. */
const HEARTBEAT_STORE_MS = 60_000
/** At most this many queued or running runs are read back at start. */
const RUN_PAGE = 10_000
/** A failed `recorder.finish` is tried again after 1 s, 2 s, … up to this (review #7). */
const FINISH_RETRY_MAX_MS = 30_000

export interface FleetSettings {
  heartbeatMs: number
  /** Default lease of a placed run (`--agent-lease`). */
  leaseMs: number
  /** Default queue timeout of a placed run (`--queue-timeout`). */
  queueTimeoutMs: number
}

export interface FleetDeps {
  store: Store
  recorder: Recorder
  bus: RunBus
  metrics: ServerMetrics
  log(line: string): void
  settings: FleetSettings
  timers?: Timers
  /**
   * Runs a multi-host run's one timeline over its parts (coordinator/coordinate.ts, given by
   * the server's wiring so the fleet's tests can script it).
   */
  coordinate: Coordinate
  /** Loads a multi-host run's manifest on the server (default: part-manifest.ts). */
  loadExperiment?: LoadPartsExperiment
  /**
   * An in-cluster agent saw an annotated workload's pod template change (`workload-changed`,
   * checked and stamped with the agent's name): the server's wiring hands it to the triggers.
   * Absent: the server does not offer `workload-watch`, so agents do not send the frame.
   */
  onWorkloadChanged?: (event: TriggerEvent) => Promise<unknown>
}

/** The fleet as the server holds it: the context's `Fleet` plus start-up. */
export interface FleetServer extends Fleet {
  /** Rebuilds the queue and the leases from the store (before the server listens). */
  start(): Promise<void>
}

export function createFleet(deps: FleetDeps): FleetServer {
  const { store, recorder, bus, metrics, settings } = deps
  const timers = deps.timers ?? realTimers
  const log = (line: string) => deps.log(`fleet: ${line}`)
  const now = () => timers.now()
  const iso = (ms: number) => new Date(ms).toISOString()

  /** Welcomed connections by agent name. */
  const connections = new Map<string, AgentConnection>()
  /** Upgraded, no hello yet. */
  const greeting = new Set<AgentConnection>()
  const records = new Map<string, AgentRecord>()
  const lastSeen = new Map<string, number>()
  /** Aborts asked while the run's agent was away: sent when it is back. */
  const pendingAborts = new Map<string, string>()
  /**
   * Dispatched runs read back at start (`queued`, `agent` set): held for 2 heartbeats so the
   * agent that may have started them says so in its hello before they go to another (#18).
   */
  const heldAtStart = new Map<string, QueuedRun>()
  const leases = new Leases(timers, (runId, agent, leaseMs) => {
    const part = parts.part(runId)
    if (part !== undefined) {
      parts.lapsed(part, leaseMs)
      return
    }
    void lapse(runId, agent, leaseMs)
  })
  let stopping = false
  let ticker: NodeJS.Timeout | undefined
  let evaluatedAt = 0
  let sweptAt = now()

  const failed = (what: string) => (error: unknown) => {
    log(`${what}: ${error instanceof Error ? error.message : String(error)}`)
  }

  const views = (): AgentView[] => {
    const out: AgentView[] = []
    for (const conn of connections.values()) {
      if (conn.ready && conn.hello) {
        out.push({
          name: conn.name,
          labels: conn.hello.labels,
          connected: true,
          maxRuns: conn.hello.maxRuns,
          running: conn.slots(),
          features: conn.hello.features ?? [],
        })
      }
    }
    for (const [name, at] of lastSeen) {
      if (!connections.get(name)?.ready) {
        out.push({ name, labels: {}, connected: false, maxRuns: 0, running: [], lastSeenAt: at })
      }
    }
    return out
  }

  const queue: RunQueue = new RunQueue({
    store,
    bus,
    metrics,
    log,
    failed,
    now,
    timers,
    defaultLeaseMs: settings.leaseMs,
    connections,
    views,
    dispatchParts: (entry, named) => parts.dispatch(entry, named),
  })
  const parts: PartsRuns = new PartsRuns({
    store,
    recorder,
    queue,
    leases,
    timers,
    connections,
    coordinate: deps.coordinate,
    loadExperiment: deps.loadExperiment ?? loadPartsExperiment,
    defaultLeaseMs: settings.leaseMs,
    log,
    failed,
    now,
    evaluate: () => evaluate(),
  })
  const evaluate = () => {
    evaluatedAt = now()
    queue.evaluate()
  }
  const publishStatus = (runId: string) => queue.publishStatus(runId)

  const streamOf = (ackedSeq: number, late: boolean, leaseMs: number): RunStream => ({
    ackedSeq,
    tail: Promise.resolve(),
    late,
    leaseMs,
  })

  const onAccepted = async (conn: AgentConnection, runId: string) => {
    if (conn.runs.has(runId)) {
      return // a resent run answered again
    }
    const run = await queue.accepted(conn, runId)
    if (run !== undefined) {
      conn.runs.set(runId, streamOf(-1, false, run.leaseMs ?? settings.leaseMs))
      recorder.watchAgentRun(runId, run.experimentName)
      log(`run ${runId} started on agent ${conn.name}`)
    }
  }

  const onEnded = async (conn: AgentConnection, runId: string, stream: RunStream) => {
    stream.finishing = true
    await finishStream(conn, runId, stream, 0)
  }

  /**
   * The agent has its ack and forgets the run, so a failed finish (a PG failover, SQLITE_BUSY)
   * must not leave it `running` with nobody tracking it: the stream stays (and holds its slot)
   * and the finish is tried again with a growing delay until the store takes it (review #7).
   */
  const finishStream = async (
    conn: AgentConnection,
    runId: string,
    stream: RunStream,
    attempt: number
  ): Promise<void> => {
    if (stopping) {
      return // the next server reads the run back and leases it
    }
    try {
      await (stream.late ? recorder.finishLate(runId) : recorder.finish(runId))
    } catch (error) {
      const delay = Math.min(FINISH_RETRY_MAX_MS, 1000 * 2 ** attempt)
      failed(`run ${runId}: finishing (again in ${formatDuration(delay)})`)(error)
      timers.set(() => void finishStream(conn, runId, stream, attempt + 1), delay)
      return
    }
    leases.disarm(runId)
    if (conn.runs.get(runId) === stream) {
      conn.runs.delete(runId)
      conn.finished.add(runId)
    }
    await store.deleteBundle(runId).catch(failed(`run ${runId}: deleting its bundle`))
    evaluate()
  }

  /** A 403/409 nack: the agent drops the run, so it ends here too (review #6). */
  const onRefused = (conn: AgentConnection, runId: string, stream: RunStream, message: string) => {
    if (conn.runs.get(runId) !== stream || stream.finishing === true) {
      return
    }
    conn.runs.delete(runId)
    if (!stream.late) {
      const reason = `agent ${conn.name}'s report was refused: ${message}`
      log(`run ${runId}: ${reason}`)
      void recorder.interrupt(runId, reason).catch(failed(`run ${runId}`))
    }
    evaluate()
  }

  /**
   * `rejected` for a run taken on from the hello (its `accepted` was lost, then it failed to
   * start): not pending, so the queue does not know it; it ends here (review #3).
   */
  const onResumedRejected = (conn: AgentConnection, runId: string, why: string) => {
    conn.runs.delete(runId)
    leases.disarm(runId)
    const reason = `agent ${conn.name} could not start the run: ${why}`
    log(`run ${runId}: ${reason}`)
    void recorder.interrupt(runId, reason).catch(failed(`run ${runId}`))
    evaluate()
  }

  /**
   * After `abort` goes out, the agent has its lease (+ grace) to report the run's end; past that
   * the run ends `interrupted` here, so Abort always ends a run (issue 14: Litmus #2848).
   */
  const armAbortDeadline = (
    conn: AgentConnection,
    runId: string,
    stream: RunStream,
    reason: string
  ) => {
    const waitMs = stream.leaseMs + LEASE_GRACE_MS
    timers.set(() => {
      if (stopping || conn.closed || conn.runs.get(runId) !== stream || stream.finishing) {
        return // ended, or the connection dropped (its lease takes over)
      }
      conn.runs.delete(runId)
      const line = `${reason}; agent ${conn.name} did not report the run's end within ${formatDuration(waitMs)}`
      log(`run ${runId}: ${line}`)
      void recorder.interrupt(runId, line).catch(failed(`run ${runId}`))
      evaluate()
    }, waitMs)
  }

  /** Abort of a run the fleet's memory lacks (#4): it ends in the store, whatever holds it. */
  const endUnknown = async (runId: string, reason: string): Promise<boolean> => {
    const run = await store.getRunSummary(runId)
    if (run === undefined || ENDED_STATUSES.includes(run.status)) {
      return false
    }
    heldAtStart.delete(runId)
    let ended: boolean
    if (run.status === 'queued') {
      ended = await queue.endQueued(runId, {
        status: 'cancelled',
        verdict: 'interrupted',
        reason: cancelReason(reason),
      })
    } else {
      await recorder.interrupt(runId, `${reason}; no agent held the run`)
      ended = true
    }
    if (run.agent !== undefined) {
      connections.get(run.agent)?.send({ type: 'abort', runId, reason })
    }
    log(`run ${runId}: ${reason} (the fleet did not hold it: ended in the store)`)
    return ended
  }

  const ingestDeps = { recorder, onEnded, onRefused, log }

  /** After the agent's own `ended`: finish the run if the ack of `run.ended` did not already. */
  const onEndedFrame = async (conn: AgentConnection, runId: string) => {
    const stream = conn.runs.get(runId)
    if (stream === undefined) {
      if (!conn.finished.has(runId)) {
        conn.send(notPlaced(runId, conn.name))
      }
      return
    }
    await stream.tail
    if (stream.finishing !== true && conn.runs.get(runId) === stream) {
      await onEnded(conn, runId, stream)
    }
  }

  const lapse = async (runId: string, agent: string, leaseMs: number) => {
    const reason =
      `agent ${agent} was lost for ${formatDuration(leaseMs)} (lease): it rolls its faults ` +
      'back by itself and reports when it reconnects'
    log(`run ${runId}: ${reason}`)
    try {
      // The late flag goes first: a hello landing right after the interrupt must find it, or
      // the agent is told to forget its rolled-back journal (review #15). Only a run still
      // running gets it (not one that finished meanwhile).
      if ((await store.getRunSummary(runId))?.status === 'running') {
        await store.markLateReport(runId)
      }
      await recorder.interrupt(runId, reason)
    } catch (error) {
      failed(`run ${runId}: ending after the lease`)(error)
    }
    pendingAborts.delete(runId)
  }

  /** The connection is gone (closed, dead, replaced, revoked): what it held goes elsewhere. */
  const detach = (conn: AgentConnection, why: string, armLeases = true) => {
    greeting.delete(conn)
    if (connections.get(conn.name) !== conn) {
      return
    }
    connections.delete(conn.name)
    conn.closed = true
    const at = now()
    lastSeen.set(conn.name, at)
    if (stopping) {
      return // the runs go on; the next server resumes or leases them
    }
    log(`agent ${conn.name} disconnected (${why})`)
    parts.dropped(conn, (runId: string) => queue.entry(runId))
    const record = records.get(conn.name)
    if (record !== undefined) {
      void store
        .upsertAgent({ ...record, disconnectedAt: iso(at) })
        .catch(failed(`agent ${conn.name}`))
    }
    for (const runId of conn.pending) {
      void queue
        .requeue(runId, `agent ${conn.name} dropped before starting it`)
        .catch(failed(`run ${runId}: requeue`))
    }
    conn.pending.clear()
    if (armLeases) {
      for (const [runId, stream] of conn.runs) {
        if (stream.finishing === true) {
          continue // stored to its end: its finish is retried without the agent
        }
        leases.arm(runId, conn.name, conn.lastFrameAt, stream.leaseMs)
      }
    }
    evaluate()
  }

  const onHello = async (conn: AgentConnection, hello: Hello) => {
    if (hello.proto !== AGENT_PROTOCOL) {
      conn.bye(CLOSE.unsupported, `agent protocol ${hello.proto}, server speaks ${AGENT_PROTOCOL}`)
      return
    }
    if (hello.name !== undefined && hello.name !== conn.name) {
      conn.bye(CLOSE.wrongName, `the token is for agent ${conn.name}, not ${hello.name}`)
      return
    }
    const at = now()
    const record: AgentRecord = {
      name: conn.name,
      labels: hello.labels,
      version: hello.version,
      hostname: hello.hostname,
      addresses: hello.addresses,
      maxRuns: hello.maxRuns,
      tokenId: conn.tokenId,
      firstSeenAt: records.get(conn.name)?.firstSeenAt ?? iso(at),
      connectedAt: iso(at),
      lastHeartbeatAt: iso(at),
    }
    await store.upsertAgent(record)
    const previous = connections.get(conn.name)
    const held = new Set([...leases.of(conn.name), ...(previous?.runs.keys() ?? [])])
    const ofParts = await parts.resume(conn, hello.runs)
    const plan = await planResume(store, conn.name, ofParts.rest, held)
    if (conn.closed) {
      return
    }
    const old = connections.get(conn.name)
    if (old !== undefined && old !== conn) {
      if (old.instance === hello.instance) {
        old.terminate() // a stale socket of this same process
      } else {
        old.bye(
          CLOSE.replaced,
          `replaced by a new agent named ${conn.name} from ${conn.address || 'an unknown address'}`
        )
      }
      // Its runs are settled by the resume below, not by leases.
      const reported = new Set(hello.runs.map((run) => run.runId))
      for (const runId of [...old.pending]) {
        if (reported.has(runId)) {
          old.pending.delete(runId)
        }
      }
      detach(old, 'replaced', false)
    }
    greeting.delete(conn)
    records.set(conn.name, record)
    conn.hello = hello
    conn.readyAt = at
    connections.set(conn.name, conn)
    for (const { run, ackedSeq, late, accept } of plan.continued) {
      leases.disarm(run.id)
      conn.runs.set(run.id, streamOf(ackedSeq, late, run.leaseMs ?? settings.leaseMs))
      if (!late) {
        recorder.watchAgentRun(run.id, run.experimentName)
      }
      if (accept) {
        queue.forget(run.id)
        heldAtStart.delete(run.id)
        if (!(await store.markRunning(run.id, conn.name, iso(at)))) {
          // Cancelled meanwhile: the agent stops it.
          conn.runs.delete(run.id)
          conn.send({ type: 'abort', runId: run.id, reason: 'the run was cancelled' })
          continue
        }
        await publishStatus(run.id)
      }
    }
    conn.send({
      type: 'welcome',
      proto: AGENT_PROTOCOL,
      name: conn.name,
      heartbeatMs: settings.heartbeatMs,
      serverTime: at,
      resume: [...ofParts.resume, ...plan.resume],
      ...(deps.onWorkloadChanged !== undefined ? { features: [WORKLOAD_WATCH_FEATURE] } : {}),
    })
    parts.continued(conn, ofParts.continued)
    parts.missing(conn, hello.runs)
    log(
      `agent ${conn.name} connected from ${conn.address} (version ${hello.version}, ` +
        `${plan.continued.length} run(s) resumed)`
    )
    for (const run of plan.lost) {
      leases.disarm(run.id)
      void recorder
        .interrupt(run.id, `agent ${conn.name} restarted without this run's state`)
        .catch(failed(`run ${run.id}`))
    }
    for (const runId of conn.runs.keys()) {
      const reason = pendingAborts.get(runId)
      if (reason !== undefined) {
        pendingAborts.delete(runId)
        conn.send({ type: 'abort', runId, reason })
      }
    }
    evaluate()
  }

  const onFrame = async (conn: AgentConnection, frame: Exclude<FromAgent, Pong>) => {
    if (frame.type === 'hello') {
      if (conn.hello !== undefined) {
        conn.bye(CLOSE.protocol, 'a second hello on one connection')
        return
      }
      await onHello(conn, frame)
      return
    }
    if (!conn.ready) {
      conn.bye(CLOSE.protocol, `${frame.type} before hello`)
      return
    }
    if (frame.type === 'workload-changed') {
      onWorkloadChanged(conn, frame)
      return
    }
    const part = parts.part(frame.runId)
    if (part !== undefined) {
      return onPartFrame(conn, part, frame)
    }
    switch (frame.type) {
      case 'accepted':
        return onAccepted(conn, frame.runId)
      case 'rejected':
        if (!conn.pending.has(frame.runId) && conn.runs.has(frame.runId)) {
          return onResumedRejected(conn, frame.runId, frame.reason)
        }
        return queue.rejected(conn, frame.runId, frame.reason, frame.busy === true)
      case 'events':
        ingestEvents(ingestDeps, conn, frame as EventsFrame)
        return
      case 'ended':
        // Not awaited: it waits for the run's acks, which must not hold up the next frames.
        void onEndedFrame(conn, frame.runId).catch(failed(`run ${frame.runId}: ended`))
        return
    }
  }

  /** A frame about a part of a multi-host run (parts.ts): never the recorder's. */
  const onPartFrame = async (
    conn: AgentConnection,
    part: FleetPartLink,
    frame: Exclude<FromAgent, Pong | Hello | { type: 'workload-changed' }>
  ) => {
    if (part.agent !== conn.name) {
      conn.send(notPlaced(frame.runId, conn.name)) // another agent's part
      return
    }
    switch (frame.type) {
      case 'accepted':
        return parts.accepted(conn, part)
      case 'rejected':
        return parts.rejected(
          conn,
          part,
          frame.reason,
          frame.busy === true,
          queue.entry(part.runId)
        )
      case 'events':
        parts.events(conn, part, frame as EventsFrame)
        return
      case 'ended':
        parts.endedFrame(conn, part)
        return
      case 'mark':
        parts.mark(conn, part, { seq: frame.seq, t: frame.t })
        return
      case 'reply':
        parts.reply(part, frame.reply)
        return
    }
  }

  /**
   * Not awaited: matching and launching must not hold up the connection's next frames (a run's
   * events). A bad frame or a failed delivery is a log line; the connection stays.
   */
  const workloadRate = new WorkloadRate()
  const workloadUnmatched = new UnmatchedCount()
  const onWorkloadChanged = (conn: AgentConnection, frame: unknown) => {
    const allowed = workloadRate.take(conn.name, now())
    if (!allowed.ok) {
      if (allowed.say !== undefined) {
        log(`agent ${conn.name}: ${allowed.say}`)
      }
      return
    }
    const event = workloadTriggerEvent(conn.name, conn.hello, frame)
    if ('dropped' in event) {
      log(`agent ${conn.name}: ${event.dropped} (dropped)`)
      return
    }
    if (deps.onWorkloadChanged === undefined) {
      log(`agent ${conn.name}: ${event.summary}: this server takes no workload changes (dropped)`)
      return
    }
    deps.onWorkloadChanged(event).then(
      (matched) => {
        if (Array.isArray(matched) && matched.length > 0) {
          log(`agent ${conn.name}: ${event.summary}: triggers ${matched.join(', ')}`)
          return
        }
        // Counted, not logged one by one (workload-unmatched.ts).
        const say = workloadUnmatched.add(conn.name, now())
        if (say !== undefined) {
          log(`agent ${conn.name}: ${say}`)
        }
      },
      failed(`agent ${conn.name}: ${event.summary}: delivering to the triggers`)
    )
  }

  const onPong = (conn: AgentConnection, frame: Pong) => {
    const t0 = conn.pings.get(frame.id)
    if (t0 === undefined) {
      return
    }
    conn.pings.delete(frame.id)
    conn.lastPongAt = now()
    conn.clock.add(clockSample(t0, frame.t1, frame.t2, conn.lastPongAt))
  }

  const accept = (socket: WebSocket, caller: Caller, address: string, localAddress?: string) => {
    const conn = new AgentConnection(
      socket,
      caller.token.name,
      caller.token.id,
      caller.token.hash,
      caller.user.id,
      address,
      now()
    )
    conn.localAddress = localAddress
    if (stopping) {
      conn.bye(CLOSE.goingAway, 'the Chaos Center is stopping')
      return
    }
    greeting.add(conn)
    listen(conn, timers, {
      onPong,
      onFrame,
      onError: (errored, frame, error) => failed(`agent ${errored.name}: ${frame.type}`)(error),
      onClose: (closed) => detach(closed, 'connection closed'),
    })
  }

  const tick = () => {
    const at = now()
    for (const conn of [...connections.values()]) {
      switch (heartbeatAction(at, conn, settings.heartbeatMs)) {
        case 'dead':
          conn.terminate()
          detach(conn, `silent for ${formatDuration(at - conn.lastFrameAt)}: 2 heartbeats missed`)
          break
        case 'ping': {
          const id = conn.nextPingId++
          conn.pings.set(id, at)
          conn.pings.delete(id - 8)
          conn.lastPingAt = at
          conn.send({ type: 'ping', id, t0: at })
          break
        }
        case 'wait':
          break
      }
      const record = records.get(conn.name)
      if (
        record !== undefined &&
        conn.lastPongAt !== undefined &&
        conn.lastPongAt - conn.heartbeatStoredAt >= HEARTBEAT_STORE_MS
      ) {
        conn.heartbeatStoredAt = conn.lastPongAt
        void store
          .upsertAgent({ ...record, lastHeartbeatAt: iso(conn.lastPongAt) })
          .catch(failed(`agent ${conn.name}`))
      }
    }
    if (at - evaluatedAt >= EVALUATE_MS) {
      evaluate()
    }
    if (at - sweptAt >= TOKEN_SWEEP_MS) {
      sweptAt = at
      void sweepTokens().catch(failed('token sweep'))
    }
  }

  /** Tokens deleted or expired since their agent connected (a revoke missed, expiry). */
  const sweepTokens = async () => {
    const at = iso(now())
    for (const conn of [...connections.values(), ...greeting]) {
      const token = await store.findToken(conn.tokenHash, at)
      if (token === undefined && !conn.closed) {
        disconnectRevoked(conn, `agent ${conn.name}'s token expired or was revoked`)
      }
    }
  }

  const disconnectRevoked = (conn: AgentConnection, reason: string) => {
    log(reason)
    const running = [...conn.runs.keys()]
    conn.bye(CLOSE.revoked, reason)
    detach(conn, 'token revoked', false)
    for (const runId of running) {
      const part = parts.part(runId)
      if (part !== undefined) {
        parts.revoked(part, reason)
        continue
      }
      void recorder.interrupt(runId, reason).catch(failed(`run ${runId}`))
    }
  }

  return {
    async start() {
      try {
        for (const row of await store.listAgents()) {
          records.set(row.name, row)
          const seen = row.disconnectedAt ?? row.connectedAt
          if (seen !== undefined) {
            lastSeen.set(row.name, Date.parse(seen))
          }
        }
      } catch (error) {
        // Only the "last seen" of queue reasons comes from here: the fleet works without it.
        failed('reading the agents')(error)
      }
      const at = now()
      for (const run of await store.listRuns({ status: 'queued', limit: RUN_PAGE })) {
        if (run.placement === undefined) {
          continue
        }
        const queuedAt = Date.parse(run.startedAt)
        // The run's own deadline (its --queue-timeout), not the server's default (review #10).
        const own = run.queueDeadline === undefined ? NaN : Date.parse(run.queueDeadline)
        const entry = {
          runId: run.id,
          placement: run.placement,
          queuedAt,
          deadline: Number.isNaN(own) ? queuedAt + settings.queueTimeoutMs : own,
        }
        if (run.agent !== undefined && 'parts' in run.placement) {
          // Its parts were sent by the previous server: their agents forget them on hello, and
          // the same part ids sent again could land on a part still rolling back.
          await parts.interruptStale([run])
          continue
        }
        if (run.agent !== undefined) {
          heldAtStart.set(run.id, entry)
        } else {
          queue.add(entry)
        }
      }
      if (heldAtStart.size > 0) {
        timers.set(() => {
          for (const entry of heldAtStart.values()) {
            queue.add(entry)
          }
          heldAtStart.clear()
          evaluate()
        }, 2 * settings.heartbeatMs)
      }
      let leased = 0
      const running = await store.listRuns({ status: 'running', limit: RUN_PAGE })
      const coordinated = running.filter((run) => run.placement && 'parts' in run.placement)
      if ((await parts.interruptStale(coordinated)) > 0) {
        log(`${coordinated.length} multi-host run(s) ended: ${RESTARTED_REASON}`)
      }
      for (const run of running) {
        if (coordinated.includes(run)) {
          continue
        }
        if (run.source === 'agent' && run.agent !== undefined) {
          // From the server's start: a restart shorter than the lease loses nothing.
          leases.arm(run.id, run.agent, at, run.leaseMs ?? settings.leaseMs)
          recorder.watchAgentRun(run.id, run.experimentName)
          leased++
        }
      }
      if (queue.size + heldAtStart.size > 0 || leased > 0) {
        log(
          `${queue.size + heldAtStart.size} queued run(s), ${leased} run(s) on agents waiting for them`
        )
      }
      ticker = setInterval(tick, tickMs(settings.heartbeatMs))
      ticker.unref()
    },

    accept,

    settings,

    async list(): Promise<AgentInfo[]> {
      const [rows, names] = await Promise.all([store.listAgents(), store.agentNames()])
      const infos = agentInfos(rows, names, connections, (name) => leases.of(name))
      // A part (`<runId>.<logical>`) is listed as its run: that is the page there is to open.
      return infos.map((info) => ({
        ...info,
        runs: [...new Set(info.runs.map((id) => parts.part(id)?.runId ?? id))],
      }))
    },

    connectedCount: () => [...connections.values()].filter((conn) => conn.ready).length,

    place(run: RunSummary, placement: Placement, options) {
      const queuedAt = Date.parse(run.startedAt)
      const entry = {
        runId: run.id,
        placement,
        queuedAt: Number.isNaN(queuedAt) ? now() : queuedAt,
        deadline: Date.parse(options.queueDeadline),
      }
      queue.add(entry)
      evaluate()
    },

    async abort(runId, reason) {
      if (await parts.abort(runId, reason, cancelReason(reason))) {
        return true
      }
      const cancelled = await queue.cancel(runId, cancelReason(reason))
      if (cancelled !== undefined) {
        return cancelled
      }
      for (const conn of connections.values()) {
        const stream = conn.runs.get(runId)
        if (stream !== undefined) {
          conn.send({ type: 'abort', runId, reason })
          armAbortDeadline(conn, runId, stream, reason)
          return true
        }
      }
      if (leases.has(runId)) {
        pendingAborts.set(runId, reason)
        return true
      }
      return endUnknown(runId, reason)
    },

    revoke(match, by) {
      for (const conn of [...connections.values(), ...greeting]) {
        if ('tokenId' in match ? conn.tokenId === match.tokenId : conn.userId === match.userId) {
          disconnectRevoked(conn, `agent ${conn.name}'s token was revoked by ${by}`)
        }
      }
    },

    async shutdown() {
      stopping = true
      queue.stopped = true
      parts.shutdown()
      clearInterval(ticker)
      leases.clearAll()
      let runs = 0
      for (const conn of [...connections.values(), ...greeting]) {
        runs += conn.runs.size
        conn.bye(CLOSE.goingAway, 'the Chaos Center is stopping; reconnect and resume')
      }
      if (runs > 0) {
        log(
          `${runs} run(s) on agents continue; each rolls back by itself if this server is not ` +
            'back within its lease'
        )
      }
    },
  }
}

/** `aborted by alice` (the abort route's words) becomes `cancelled by alice while queued`. */
export function cancelReason(reason: string): string {
  if (reason.endsWith(' while queued')) {
    return reason // the abort route's words for a run it saw queued
  }
  const by = /^aborted by (.+)$/.exec(reason)
  return by ? `cancelled by ${by[1]} while queued` : `${reason} while queued`
}
