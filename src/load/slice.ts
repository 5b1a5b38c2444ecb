/**
 * The open-model loop of one generator thread. It owns every `stride`-th request of the
 * schedule from `offset` (the whole schedule on a single thread). A request is sent when it is
 * due, whatever happened to earlier ones; if `maxInFlight` requests are outstanding it is
 * dropped and counted, never queued and never sent later (k6's dropped_iterations).
 *
 * Closed loop (`concurrency`): each slot sends its next request as soon as the previous one is
 * answered, until the duration is over; a request's intended send is its actual send.
 *
 * Each in-flight slot is a Jepsen process: a request takes a free slot's process id, and a slot
 * whose request ended `info` takes a fresh id (old + total slots), so an op of unknown outcome
 * never overlaps a later op of the same process.
 * @module
 */
import type { HistoryOp } from './contract.js'
import { now } from './clock.js'
import { parseExpectedStatus } from './expected-status.js'
import type { StatusPredicate } from './expected-status.js'
import type { PreparedLoad } from './prepare.js'
import { Http1Client } from './http1/client.js'
import type { Http1Result } from './http1/client.js'
import { RequestEncoder } from './http1/request-bytes.js'
import type { EncodedRequest } from './http1/request-bytes.js'
import { createSchedule } from './schedule.js'
import type { Schedule } from './schedule.js'
import { SecondBook } from './seconds.js'
import type { SecondReport } from './seconds.js'
import { captureValue } from './capture.js'
import { render, requestValues } from './template.js'
import type { OpOutcome } from './contract.js'

export interface SliceConfig {
  load: PreparedLoad
  offset: number
  stride: number
  /** This thread's share of maxInFlight and of the connections. */
  maxInFlight: number
  connections: number
  /** Global process id of this thread's first slot, and the total slots over all threads. */
  processBase: number
  processStride: number
  /** Epoch ms at which request 0 is due. */
  t0: number
}

export interface SliceSink {
  /** Absent: nobody listens, so no op object is made at all. */
  op?: (op: HistoryOp) => void
  seconds(reports: SecondReport[]): void
}

export interface SliceResult {
  /** Epoch ms when the loop dealt with its last due request, or stopped. */
  sendingEndedAt: number
  stopped: boolean
}

// Past this many due requests in one turn of the event loop (the generator fell behind), let
// responses and timers run before sending more.
const kBatch = 256

export class SliceRunner {
  readonly #config: SliceConfig
  readonly #sink: SliceSink
  readonly #schedule: Schedule
  readonly #client: Http1Client
  readonly #encoder: RequestEncoder
  readonly #closedLoop: boolean
  readonly #expected: StatusPredicate
  readonly #book: SecondBook
  readonly #freeSlots: number[] = []
  readonly #process: number[] = []
  /** When each busy slot's request was sent (NaN when free): the oldest outstanding one. */
  readonly #sentAt: number[] = []
  #next: number
  #inFlight = 0
  #sendingEndedAt = 0
  #stopped = false
  /** Closed loop: the duration is over, nothing more is sent. */
  #closedOver = false
  #finished = false
  #dispatchTimer: NodeJS.Timeout | undefined
  #flushTimer: NodeJS.Timeout | undefined
  #resolve: (result: SliceResult) => void = () => undefined

  constructor(config: SliceConfig, sink: SliceSink) {
    this.#config = config
    this.#sink = sink
    this.#schedule = createSchedule(config.load.schedule)
    const expected = parseExpectedStatus(config.load.expectedStatus)
    this.#expected = typeof expected === 'string' ? () => false : expected
    this.#client = new Http1Client({
      connections: config.connections,
      timeoutMs: config.load.timeoutMs,
      keepBodies: config.load.capture !== undefined,
    })
    this.#encoder = new RequestEncoder(config.load)
    this.#closedLoop = config.load.schedule.concurrency !== undefined
    this.#book = new SecondBook(config.t0)
    this.#next = config.offset
    // Popped from the end: slot 0 is used first, keeping process ids small when load is light.
    for (let slot = config.maxInFlight - 1; slot >= 0; slot--) {
      this.#freeSlots.push(slot)
      this.#process[slot] = config.processBase + slot
      this.#sentAt[slot] = Number.NaN
    }
  }

  run(): Promise<SliceResult> {
    const result = new Promise<SliceResult>((resolve) => (this.#resolve = resolve))
    const wait = Math.max(0, this.#config.t0 - now())
    this.#dispatchTimer = setTimeout(this.#closedLoop ? this.#startClosedLoop : this.#tick, wait)
    this.#scheduleFlush()
    return result
  }

  /** Sends nothing more; resolves run() once in-flight requests end (at most their timeout). */
  stop(): void {
    if (this.#stopped || this.#finished) {
      return
    }
    this.#stopped = true
    clearTimeout(this.#dispatchTimer)
    if (this.#sendingEndedAt === 0) {
      this.#sendingEndedAt = now()
    }
    this.#maybeFinish()
  }

  get inFlight(): number {
    return this.#inFlight
  }

  #tick = (): void => {
    this.#dispatchTimer = undefined
    const { t0, stride } = this.#config
    const total = this.#schedule.total
    let budget = kBatch
    while (!this.#stopped && this.#next < total) {
      const due = t0 + this.#schedule.dueAt(this.#next)
      const t = now()
      if (due > t) {
        // Node rounds timers to whole ms, so a request may go out up to ~1 ms late; that lag
        // is measured and counted in its response time.
        this.#dispatchTimer = setTimeout(this.#tick, due - t)
        return
      }
      if (budget-- === 0) {
        this.#dispatchTimer = setTimeout(this.#tick, 0)
        return
      }
      this.#dispatch(this.#next, due, t)
      this.#next += stride
    }
    if (this.#sendingEndedAt === 0) {
      this.#sendingEndedAt = now()
    }
    this.#maybeFinish()
  }

  #startClosedLoop = (): void => {
    const { t0, load } = this.#config
    this.#dispatchTimer = setTimeout(
      this.#endClosedLoop,
      Math.max(0, t0 + load.schedule.durationMs - now())
    )
    for (let slot = 0; slot < this.#config.maxInFlight && !this.#stopped; slot++) {
      this.#sendNextClosed()
    }
  }

  #endClosedLoop = (): void => {
    this.#dispatchTimer = undefined
    this.#closedOver = true
    if (this.#sendingEndedAt === 0) {
      this.#sendingEndedAt = now()
    }
    this.#maybeFinish()
  }

  /** Closed loop: the next request now, unless the duration is over. */
  #sendNextClosed(): void {
    if (this.#stopped || this.#closedOver) {
      return
    }
    const t = now()
    if (t >= this.#config.t0 + this.#config.load.schedule.durationMs) {
      this.#endClosedLoop()
      return
    }
    this.#dispatch(this.#next, t, t)
    this.#next += this.#config.stride
  }

  #dispatch(seq: number, due: number, t: number): void {
    const lag = t - due
    if (this.#inFlight >= this.#config.maxInFlight) {
      this.#book.dropped(due, lag)
      return
    }
    const load = this.#config.load
    const slot = this.#freeSlots.pop()!
    const process = this.#process[slot]!
    const values = requestValues(seq, load.needsUuid, load.needsNow)
    const id = load.id ? render(load.id, values) : undefined
    let request: EncodedRequest | undefined
    let encodeError = ''
    try {
      request = this.#encoder.encode(values)
    } catch (err) {
      // e.g. a templated header value with a newline: nothing is sent.
      encodeError = err instanceof Error ? err.message : String(err)
    }
    this.#inFlight++
    this.#sentAt[slot] = t
    this.#book.sent(t, lag)
    this.#sink.op?.({
      seq,
      process,
      type: 'invoke',
      f: load.f,
      ...(id !== undefined ? { value: id } : {}),
      time: t,
    })
    const done = (result: Http1Result) => this.#complete(seq, slot, process, due, t, id, result)
    if (request === undefined) {
      const error = encodeError
      setImmediate(() => done({ kind: 'error', definite: true, error, endAt: now() }))
      return
    }
    this.#client.send(request, done)
  }

  #complete(
    seq: number,
    slot: number,
    process: number,
    due: number,
    issuedAt: number,
    id: string | undefined,
    r: Http1Result
  ): void {
    this.#inFlight--
    this.#sentAt[slot] = Number.NaN
    const status = r.status
    const outcome: OpOutcome =
      r.kind === 'timeout'
        ? 'timeout'
        : r.kind === 'error'
          ? 'connection-error'
          : this.#expected(status!)
            ? 'ok'
            : 'http-error'
    const type = outcome === 'ok' ? 'ok' : outcome === 'http-error' || r.definite ? 'fail' : 'info'
    if (type === 'info') {
      this.#process[slot] = process + this.#config.processStride
    }
    this.#freeSlots.push(slot)
    this.#book.completed(r.endAt, outcome, r.endAt - due, r.endAt - (r.sentAt ?? issuedAt))
    const sinkOp = this.#sink.op
    if (sinkOp) {
      const capture = this.#config.load.capture
      const captured =
        type === 'ok' && capture && r.body !== undefined
          ? captureValue(capture, r.body.toString('utf8'))
          : undefined
      const value = captured ?? id
      const error = outcome === 'http-error' ? `status ${status}` : r.error
      sinkOp({
        seq,
        process,
        type,
        f: this.#config.load.f,
        ...(value !== undefined ? { value } : {}),
        time: r.endAt,
        ...(error !== undefined ? { error } : {}),
        ...(status !== undefined ? { status } : {}),
      })
    }
    if (this.#closedLoop) {
      this.#sendNextClosed()
    }
    this.#maybeFinish()
  }

  #scheduleFlush(): void {
    // The sink may stop the slice from inside a flush (an early-stopped capacity trial), and
    // the slice may finish there: a timer scheduled after that would never be cleared and
    // would keep the process alive for ever.
    if (this.#finished) {
      return
    }
    const { t0 } = this.#config
    const t = now()
    const nextBoundary = t0 + (Math.max(0, Math.floor((t - t0) / 1000)) + 1) * 1000
    this.#flushTimer = setTimeout(() => {
      const t = now()
      const reports = this.#book.flush(t, this.#inFlight, false, this.#oldestAge(t))
      if (reports.length > 0) {
        this.#sink.seconds(reports)
      }
      this.#scheduleFlush()
    }, nextBoundary - t)
  }

  /** Age of the oldest request still in flight at `t`, ms; 0 when none is. */
  #oldestAge(t: number): number {
    if (this.#inFlight === 0) {
      return 0
    }
    let oldest = Number.POSITIVE_INFINITY
    for (const sentAt of this.#sentAt) {
      if (sentAt < oldest) {
        oldest = sentAt
      }
    }
    return Number.isFinite(oldest) ? Math.max(0, t - oldest) : 0
  }

  #maybeFinish(): void {
    const sendingOver = this.#stopped || this.#closedOver || this.#next >= this.#schedule.total
    if (this.#finished || !sendingOver || this.#inFlight > 0) {
      return
    }
    this.#finished = true
    clearTimeout(this.#flushTimer)
    clearTimeout(this.#dispatchTimer)
    this.#client.close()
    this.#sink.seconds(this.#book.flush(now(), 0, true))
    this.#resolve({ sendingEndedAt: this.#sendingEndedAt || now(), stopped: this.#stopped })
  }
}
