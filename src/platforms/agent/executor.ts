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
import type { AgentRunReport, FromAgent, Resume, ToAgent } from './protocol.js'
import { Outbox } from './outbox.js'
import type { AgentState, RunState } from './state.js'
import { finishDiedRun } from './died-run.js'
import type { LeasedRun } from './lease.js'

type RunMessage = Extract<ToAgent, { type: 'run' }>

/** Acks are persisted at most this often: a lost one only means a resend. */
const kPersistAckMs = 1000

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
}

interface Held {
  state: RunState
  outbox: Outbox
  child: RunChild | undefined
  /** `accepted` may be sent (the run process started the run). */
  accepted: boolean
  /** The run process is alive. */
  running: boolean
  /** Settles once the run process is gone and its journal ends with `run.ended`. */
  finished: Promise<void>
  lastPersist: number
  persistTimer: NodeJS.Timeout | undefined
}

export class Executor {
  readonly #runs = new Map<string, Held>()
  #ready = false
  readonly #now: () => number
  readonly #start: typeof startRunChild

  constructor(private readonly options: ExecutorOptions) {
    this.#now = options.now ?? Date.now
    this.#start = options.startChild ?? startRunChild
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
        await finishDiedRun(
          state.runId,
          state.journal,
          'the run process died (agent restarted)',
          this.options.log
        )
        held.outbox.report() // reads the appended end
        this.options.log(`run ${state.runId}: left by an earlier agent; finished, reporting it`)
      })
    )
  }

  run(message: RunMessage): void {
    const { runId } = message
    const held = this.#runs.get(runId)
    if (held) {
      // A resent `run` (the server did not get our answer): the same answer again. A run
      // left by an earlier agent process has ended here: its events say so.
      if (held.accepted || !held.child) {
        this.options.send({ type: 'accepted', runId })
      }
      return
    }
    const reject = (reason: string) => {
      this.options.log(`run ${runId} rejected: ${reason}`)
      this.options.send({ type: 'rejected', runId, reason })
    }
    if (!RUN_ID_PATTERN.test(runId)) {
      reject(`run id ${JSON.stringify(runId)} is not a file name`)
      return
    }
    const running = this.unfinished().length
    if (running >= this.options.maxRuns) {
      reject(`agent busy (${running} of ${this.options.maxRuns} runs)`)
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
    const child = this.#start({
      name: safeName(message.experiment),
      yaml: message.yaml,
      exec: this.options.exec,
      runId,
      vars: message.vars,
      ...(message.bundle !== undefined ? { bundle: message.bundle } : {}),
      journalFile: state.journal,
      onEvents: () => this.#runs.get(runId)?.outbox.pump(),
    })
    prewarmRunProcess()
    const run = this.#hold(state, child)
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
        this.#runs.delete(runId)
        if (this.drained) {
          for (const resolve of this.#drainWaiters.splice(0)) {
            resolve()
          }
        }
        this.options.state.remove(runId)
        rmSync(state.journal, { force: true })
        reject(error instanceof Error ? error.message : String(error))
      }
    )
  }

  abort(runId: string, reason: string): boolean {
    const held = this.#runs.get(runId)
    if (!held?.running || !held.child) {
      return false
    }
    this.options.log(`run ${runId}: aborting: ${reason}`)
    held.child.abort('signal', reason)
    return true
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
      held.outbox.pump()
    }
  }

  ack(runId: string, seq: number): void {
    this.#runs.get(runId)?.outbox.ack(seq)
  }

  nack(message: Extract<ToAgent, { type: 'nack' }>): void {
    this.#runs.get(message.runId)?.outbox.nack(message.status, message.message, message.retryMs)
  }

  #forget(held: Held, reason: string | undefined): void {
    const why = `the Chaos Center has forgotten run ${held.state.runId}${reason ? ` (${reason})` : ''}`
    if (held.running) {
      this.abort(held.state.runId, why)
    }
    held.outbox.nack(409, why)
  }

  #hold(state: RunState, child: RunChild | undefined): Held {
    const { runId } = state
    const outbox = new Outbox({
      runId,
      file: state.journal,
      acked: state.acked,
      send: (frame) => (this.#ready ? this.options.send(frame) : false),
      log: this.options.log,
      onAcked: () => this.#persistAck(held),
      onDone: (how) => {
        void held.finished.then(() => {
          clearTimeout(held.persistTimer)
          this.#runs.delete(runId)
          this.options.state.remove(runId)
          if (how === 'ended') {
            this.options.log(`run ${runId}: reported`)
          }
          if (this.drained) {
            for (const resolve of this.#drainWaiters.splice(0)) {
              resolve()
            }
          }
        })
      },
    })
    const finished = child
      ? child.exited.then(async ({ ended, how }) => {
          held.running = false
          if (!ended && held.accepted) {
            const reason = `the run process died (${how})`
            this.options.log(`run ${runId}: ${reason}`)
            await finishDiedRun(runId, state.journal, reason, this.options.log)
          }
          outbox.pump()
        })
      : Promise.resolve()
    const held: Held = {
      state,
      outbox,
      child,
      accepted: false,
      running: child !== undefined,
      finished,
      lastPersist: -Infinity,
      persistTimer: undefined,
    }
    this.#runs.set(runId, held)
    return held
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
