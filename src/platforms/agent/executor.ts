/**
 * Executes the runs the Chaos Center places on this agent, each in a run process of its own:
 * the same fork as the embedded agent's (run-process/child.ts), so the same engine, ledger, watchdog
 * and run lock as `ordeal run`. The run's journal goes durably to `agent/runs/<runId>.jsonl`,
 * which its Outbox sends back; `agent/runs/<runId>.json` says the agent holds the run, so a
 * restarted agent finishes and reports it (design §5).
 * @module
 */
import { rmSync } from 'node:fs'
import { RUN_ID_PATTERN } from '../../engine/run-id.js'
import type { ExecPolicy } from '../local/exec-policy.js'
import { prewarmRunProcess, startRunChild, type RunChild } from '../local/run-process/child.js'
import type { ClusterGrant } from '../local/run-process/messages.js'
import type { AgentRunReport, FromAgent, Resume, ToAgent } from './protocol.js'
import { Outbox } from './outbox.js'
import type { AgentState, RunState } from './state.js'
import { appendDiedRunEnd, finishDiedRun, journalTail } from './died-run.js'
import type { LeasedRun } from './lease.js'
import { pruneRunDirs } from './retention.js'
import { stateDir } from '../../safety/ledger.js'
import type { JournalEventBody } from '../../engine/events.js'

type RunMessage = Extract<ToAgent, { type: 'run' }>

/** Acks are persisted at most this often: a lost one only means a resend. */
const kPersistAckMs = 1000
/** Runs reported through their end that an `abort` is still answered `ended` for. */
const kRememberReported = 1000

export interface ExecutorOptions {
  state: AgentState
  exec: ExecPolicy
  maxRuns: number
  log(line: string): void
  /** Sends a frame on the ready connection; false when there is none. */
  send(frame: FromAgent): boolean
  now?: () => number
  /** Forks run processes (run-process/child.ts); replaceable in tests. */
  startChild?: typeof startRunChild
  /** `ordeal agent --allow-host-network`: parts may change this host's network rules. */
  allowHostNetwork?: boolean
  /** The Chaos Center's address as the current socket reaches it (no partition may cut it). */
  centerAddress?: () => string | undefined
  /** This agent's registered name (its token's), for the lines a part refuses with. */
  agentName?: () => string | undefined
  /** The cluster its runs' `spec.system.kubernetes` use (resolved from `ordeal agent --kubeconfig/--context`, $KUBECONFIG, in-cluster). */
  cluster?: ClusterGrant
}

/** A part's outbox is pumped this often, so its marks keep coming while it is quiet. */
const kMarkEveryMs = 100

interface Held {
  state: RunState
  outbox: Outbox
  child: RunChild | undefined
  /** `accepted` may be sent (the run process started the run). */
  accepted: boolean
  /** A part of a multi-host run: it takes `command` frames. */
  part: boolean
  /** The run process is alive. */
  running: boolean
  /** Settles once the run process is gone and its journal ends with `run.ended`. */
  finished: Promise<void>
  lastPersist: number
  persistTimer: NodeJS.Timeout | undefined
  /** Why the run is being dropped (its outbox is done): a resent `run` is rejected with it. */
  dropping?: string
  /**
   * A leftover's end, written once the server's welcome says what it stored (see
   * appendDiedRunEnd): until then the seqs it may have stored are unknown.
   */
  pendingEnd?: { reason: string; recovered: JournalEventBody | undefined }
}

export class Executor {
  readonly #runs = new Map<string, Held>()
  /** Runs reported through their end and forgotten, oldest first (bounded). */
  readonly #reported = new Set<string>()
  readonly #dropListeners: ((runId: string) => void)[] = []
  #ready = false
  readonly #now: () => number
  readonly #start: typeof startRunChild

  constructor(private readonly options: ExecutorOptions) {
    this.#now = options.now ?? Date.now
    this.#start = options.startChild ?? startRunChild
  }

  /** `listener(runId)` once the agent forgets a run (the dead-man switch forgets it too). */
  onDrop(listener: (runId: string) => void): void {
    this.#dropListeners.push(listener)
  }

  /** The runs this agent holds, for `hello.runs`. */
  reports(): AgentRunReport[] {
    return [...this.#runs.values()].map((held) => held.outbox.report())
  }

  /** Runs whose process still runs: what the dead-man switch watches. */
  unfinished(): LeasedRun[] {
    return [...this.#runs.values()]
      .filter((held) => held.running)
      .map((held) => ({ runId: held.state.runId, leaseMs: held.state.leaseMs }))
  }

  /** Everything held was acked through its end (or refused): a shutdown may close. */
  get drained(): boolean {
    return this.#runs.size === 0
  }

  /** Settles once {@link drained}. */
  whenDrained(): Promise<void> {
    return this.drained
      ? Promise.resolve()
      : new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  #drainWaiters: (() => void)[] = []

  /** Settles once the run's process is gone and its journal ends (now, if not held). */
  finished(runId: string): Promise<void> {
    return this.#runs.get(runId)?.finished ?? Promise.resolve()
  }

  /**
   * Runs left by an earlier agent process on this state dir: each is finished (its ledger
   * recovered once its lock is free, its journal ended) and held until the server acks it.
   */
  async adoptLeftovers(): Promise<void> {
    const states = this.options.state.list()
    await Promise.all(
      states.map(async (state) => {
        const held = this.#hold(state, undefined)
        const reason = 'the run process died (agent restarted)'
        await finishDiedRun(state.runId, state.journal, reason, this.options.log, (recovered) => {
          held.pendingEnd = { reason, recovered }
        })
        this.options.log(`run ${state.runId}: left by an earlier agent; finished, reporting it`)
      })
    )
    this.#prune()
  }

  run(message: RunMessage): void {
    const { runId } = message
    const held = this.#runs.get(runId)
    if (held) {
      // A run being dropped (forgotten, refused, or reported through its end) must not be
      // `accepted` again: nothing more will be sent for it, so the server would wait forever.
      if (held.dropping !== undefined || held.outbox.done) {
        const reason = `run ${runId} ${held.dropping ?? 'is being dropped by this agent'}`
        this.options.log(`run ${runId} rejected: ${reason}`)
        this.options.send({ type: 'rejected', runId, reason })
        return
      }
      // A resent `run` (the server did not get our answer): the same answer again. A run
      // left by an earlier agent process has ended here: its events say so.
      if (held.accepted || !held.child) {
        this.options.send({ type: 'accepted', runId })
      }
      return
    }
    const reject = (reason: string, busy = false) => {
      this.options.log(`run ${runId} rejected: ${reason}`)
      this.options.send({ type: 'rejected', runId, reason, ...(busy ? { busy } : {}) })
    }
    if (!RUN_ID_PATTERN.test(runId)) {
      reject(`run id ${JSON.stringify(runId)} is not a file name`)
      return
    }
    const running = this.unfinished().length
    if (running >= this.options.maxRuns) {
      reject(`agent busy (${running} of ${this.options.maxRuns} runs)`, true)
      return
    }
    const state: RunState = {
      runId,
      experiment: message.experiment,
      leaseMs: message.leaseMs,
      acked: -1,
      ended: false,
      journal: this.options.state.journalOf(runId),
    }
    try {
      this.options.state.write(state)
    } catch (error) {
      reject(`cannot write the run's state in ${this.options.state.runsDir}: ${String(error)}`)
      return
    }
    const part = message.part
    const centerAddresses = [part?.centerAddress, this.options.centerAddress?.()].filter(
      (a): a is string => a !== undefined
    )
    const child = this.#start({
      name: safeName(message.experiment),
      yaml: message.yaml,
      exec: this.options.exec,
      runId,
      vars: message.vars,
      ...(message.bundle !== undefined ? { bundle: message.bundle } : {}),
      journalFile: state.journal,
      ...(this.options.cluster !== undefined ? { cluster: this.options.cluster } : {}),
      onEvents: () => this.#runs.get(runId)?.outbox.pump(),
      ...(part !== undefined
        ? {
            part: {
              name: part.name,
              agent: this.options.agentName?.() ?? part.name,
              centerAddresses,
              allowHostNetwork: this.options.allowHostNetwork === true,
            },
            // Not journaled: a reply lost with the socket is asked for again (the coordinator
            // resends the command with its id; the part's channel answers it from its cache).
            onReply: (reply) => void this.options.send({ type: 'reply', runId, reply }),
          }
        : {}),
    })
    prewarmRunProcess()
    const run = this.#hold(state, child, part !== undefined)
    this.options.log(`run ${runId} (experiment ${message.experiment}, by ${message.startedBy})`)
    child.started.then(
      () => {
        run.accepted = true
        this.options.send({ type: 'accepted', runId })
        if (this.#ready) {
          run.outbox.connected()
        }
      },
      (error: unknown) => {
        this.#drop(run)
        reject(error instanceof Error ? error.message : String(error))
      }
    )
  }

  /**
   * Aborts a run this agent runs. The server's abort of a run the agent does not hold is
   * answered, so the server can end it at once: `ended` if it was reported and forgotten,
   * else `rejected` (unknown run). A held run that is no longer running ends by its outbox.
   */
  abort(runId: string, reason: string): boolean {
    const held = this.#runs.get(runId)
    if (!held) {
      this.options.send(
        this.#reported.has(runId)
          ? { type: 'ended', runId }
          : { type: 'rejected', runId, reason: 'unknown run' }
      )
      return false
    }
    if (!held.running || !held.child) {
      return false
    }
    this.options.log(`run ${runId}: aborting: ${reason}`)
    held.child.abort('signal', reason)
    return true
  }

  /** A coordinator's command to a part this agent runs; anything else is answered at once. */
  command(message: Extract<ToAgent, { type: 'command' }>): void {
    const held = this.#runs.get(message.runId)
    if (!held?.part || !held.running || !held.child || !held.accepted) {
      this.options.send({
        type: 'reply',
        runId: message.runId,
        reply: { id: message.id, ok: false, error: 'no such part' },
      })
      return
    }
    held.child.command(message.id, message.command)
  }

  /** Aborts every running run and waits until each has rolled back and ended its journal. */
  async abortAll(reason: string): Promise<void> {
    for (const held of this.#runs.values()) {
      this.abort(held.state.runId, reason)
    }
    await Promise.all([...this.#runs.values()].map((held) => held.finished))
  }

  /** A ready connection (welcome received): resume per the server's word, then send. */
  connected(resume: Resume[]): void {
    this.#ready = true
    const said = new Map(resume.map((r) => [r.runId, r]))
    for (const held of [...this.#runs.values()]) {
      const r = said.get(held.state.runId)
      if (r?.action === 'forget') {
        this.#forget(held, r.reason)
      } else if (held.accepted || !held.child) {
        this.#endPending(held, r?.ackedSeq)
        held.outbox.connected(r?.ackedSeq)
      }
    }
  }

  disconnected(): void {
    this.#ready = false
    for (const held of this.#runs.values()) {
      held.outbox.disconnected()
    }
  }

  /** Pokes every outbox: lines torn a moment ago may be whole now. */
  pump(): void {
    for (const held of this.#runs.values()) {
      // An end the disk refused (a leftover's waits for the welcome's ackedSeq first).
      if (held.pendingEnd && this.#ready && !held.running) {
        this.#endPending(held, held.outbox.acked)
      }
      held.outbox.pump()
    }
  }

  ack(runId: string, seq: number): void {
    this.#runs.get(runId)?.outbox.ack(seq)
  }

  nack(message: Extract<ToAgent, { type: 'nack' }>): void {
    this.#runs.get(message.runId)?.outbox.nack(message.status, message.message, message.retryMs)
  }

  /**
   * Appends a died run's pending end after what the file and the server hold (review #6);
   * kept for the next try when the disk refuses it.
   */
  #endPending(held: Held, ackedSeq: number | undefined): void {
    const end = held.pendingEnd
    if (!end) {
      return
    }
    try {
      appendDiedRunEnd(
        held.state.journal,
        end.reason,
        end.recovered,
        Date.now(),
        Math.max(held.state.acked, ackedSeq ?? -1)
      )
      held.pendingEnd = undefined
    } catch (error) {
      // Tried again on the next welcome (a full disk, say).
      this.options.log(`run ${held.state.runId}: cannot end its journal: ${String(error)}`)
    }
  }

  #forget(held: Held, reason: string | undefined): void {
    const why = `the Chaos Center has forgotten run ${held.state.runId}${reason ? ` (${reason})` : ''}`
    held.dropping = 'was forgotten by the Chaos Center'
    if (held.running) {
      this.abort(held.state.runId, why)
    }
    held.outbox.nack(409, why)
  }

  #hold(state: RunState, child: RunChild | undefined, part = false): Held {
    const { runId } = state
    const outbox = new Outbox({
      runId,
      file: state.journal,
      acked: state.acked,
      marks: part,
      send: (frame) => (this.#ready ? this.options.send(frame) : false),
      log: this.options.log,
      onAcked: () => this.#persistAck(held),
      onDone: (how) => {
        held.dropping ??=
          how === 'ended'
            ? 'has ended and was reported by this agent'
            : 'was refused by the Chaos Center'
        void held.finished.then(() => {
          this.#drop(held)
          if (how === 'ended') {
            this.#remember(runId)
            this.options.log(`run ${runId}: reported`)
          }
          this.#prune()
        })
      },
    })
    const finished = child
      ? child.exited.then(async ({ ended, how }) => {
          held.running = false
          // The file, not the process's word, decides: a run that ended while the disk was
          // full may have exited with its `run.ended` line unwritten (review #5).
          if (held.accepted && (!ended || !journalTail(state.journal).ended)) {
            const reason = ended
              ? 'the run process could not write the end of its journal (disk full?)'
              : `the run process died (${how})`
            this.options.log(`run ${runId}: ${reason}`)
            await finishDiedRun(runId, state.journal, reason, this.options.log, (recovered) => {
              held.pendingEnd = { reason, recovered }
              this.#endPending(held, outbox.acked)
            }).catch((error: unknown) => {
              this.options.log(`run ${runId}: cannot finish it: ${String(error)}`)
            })
          }
          outbox.pump()
        })
      : Promise.resolve()
    const held: Held = {
      state,
      outbox,
      child,
      accepted: false,
      part,
      running: child !== undefined,
      finished,
      lastPersist: -Infinity,
      persistTimer: undefined,
    }
    this.#runs.set(runId, held)
    if (part && child) {
      const marks = setInterval(() => outbox.pump(), kMarkEveryMs)
      marks.unref()
      void finished.then(() => clearInterval(marks))
    }
    return held
  }

  /** Forgets a run: its state file and journal go (review #12), and the dead-man switch forgets it. */
  #drop(held: Held): void {
    const { runId } = held.state
    clearTimeout(held.persistTimer)
    if (this.#runs.get(runId) === held) {
      this.#runs.delete(runId)
    }
    try {
      this.options.state.remove(runId)
      rmSync(held.state.journal, { force: true })
    } catch (error) {
      this.options.log(`run ${runId}: cannot remove its state: ${String(error)}`)
    }
    for (const listener of this.#dropListeners) {
      listener(runId)
    }
    if (this.drained) {
      for (const resolve of this.#drainWaiters.splice(0)) {
        resolve()
      }
    }
  }

  #remember(runId: string): void {
    this.#reported.add(runId)
    for (const old of this.#reported) {
      if (this.#reported.size <= kRememberReported) {
        break
      }
      this.#reported.delete(old)
    }
  }

  /** Run dirs past retention go (retention.ts). */
  #prune(): void {
    try {
      pruneRunDirs(stateDir(), (runId) => this.#runs.has(runId), this.options.log)
    } catch (error) {
      this.options.log(`cannot prune old run dirs: ${String(error)}`)
    }
  }

  #persistAck(held: Held): void {
    const write = () => {
      held.persistTimer = undefined
      held.lastPersist = this.#now()
      if (!this.#runs.has(held.state.runId)) {
        return
      }
      try {
        this.options.state.write({ ...held.state, acked: held.outbox.acked })
      } catch (error) {
        this.options.log(`run ${held.state.runId}: cannot persist its ack: ${String(error)}`)
      }
    }
    const since = this.#now() - held.lastPersist
    if (since >= kPersistAckMs) {
      write()
    } else if (!held.persistTimer) {
      held.persistTimer = setTimeout(write, kPersistAckMs - since)
      held.persistTimer.unref()
    }
  }
}

/** Experiment names are DNS-like already; this only keeps a path out of the file name. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
