/**
 * The live view of a run: Server-Sent Events read with fetch (so the token stays in a header,
 * which EventSource cannot do). The order is what makes it gapless: subscribe to the bus
 * first, holding what arrives, then send the backlog from the store, then the held and live
 * messages, dropping events already sent (seq <= last sent). The recorder publishes only
 * stored events, in seq order, and the backlog stops where its publishing stood when we
 * subscribed (events stored past a gap come later, from the bus), so the backlog and the bus
 * together cover every event exactly once, in order.
 * @module
 */
import type { ServerResponse } from 'node:http'
import { defineRoute, notFound, type RouteDef } from '../http/route.js'
import { idParams } from '../api/schemas.js'
import type { JournalEvent, RunSummary, StreamMessage } from '../../shared/api.js'
import type { ServerContext } from '../context.js'
import { isEnded, streamQuery } from './run-schemas.js'
import { readTurn } from './event-page.js'

const HEARTBEAT_MS = 15_000
const BACKLOG_PAGE = 2000
/**
 * A viewer this far behind the live events (bytes queued in its response) is cut off rather
 * than buffered without bound; its client reconnects with `after=` and reads the store.
 */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024

/**
 * One message serialized once per publish, not once per viewer: the bus hands every viewer
 * the same object.
 */
const frames = new WeakMap<StreamMessage, string>()
function frameOf(message: StreamMessage): string {
  let frame = frames.get(message)
  if (frame === undefined) {
    frame = `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`
    frames.set(message, frame)
  }
  return frame
}

export const streamRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/stream',
    access: 'viewer',
    tag: 'runs',
    summary:
      'Live events of a run (text/event-stream): status, journal batches (no ops), ops counts, status at the end',
    params: idParams,
    query: streamQuery,
    raw: true,
    async handler({ params, query, ctx, reply, request }) {
      if (!(await ctx.store.getRunSummary(params.id))) {
        throw notFound(`run ${params.id}`)
      }
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Reverse proxies (nginx) must pass events through as they come.
        'x-accel-buffering': 'no',
      })
      res.flushHeaders()
      const stream = new RunStream(ctx, params.id, res, query.after ?? -1)
      request.raw.on('close', () => stream.close())
      res.on('close', () => stream.close())
      await stream.start()
    },
  }),
]

class RunStream {
  #held: StreamMessage[] | undefined = []
  /** The backlog's end: every later event comes from the bus (see `Recorder.releasedSeq`). */
  #until: number
  #unsubscribe: () => void
  #heartbeat: NodeJS.Timeout
  #closed = false

  constructor(
    private readonly ctx: ServerContext,
    private readonly runId: string,
    private readonly res: ServerResponse,
    private lastSeq: number
  ) {
    this.#unsubscribe = ctx.bus.subscribe(runId, (message) => {
      if (this.#held) {
        this.#held.push(message)
      } else {
        this.#deliver(message)
      }
    })
    // Read in the same tick as the subscription: whatever is released after it is held above.
    this.#until = ctx.recorder.releasedSeq(runId)
    this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), HEARTBEAT_MS)
  }

  async start(): Promise<void> {
    try {
      const run = await this.ctx.store.getRunSummary(this.runId)
      if (!run) {
        this.close()
        return
      }
      this.#send({ event: 'status', data: run })
      const fromStart = this.lastSeq < 0
      let visible = 0
      for (;;) {
        // A backlog page is a read like a journal page: it takes its turn (see event-page.ts).
        await readTurn()
        const page = await this.ctx.store.listEvents(this.runId, {
          after: this.lastSeq,
          until: this.#until,
          limit: BACKLOG_PAGE,
          excludeTypes: ['op'],
        })
        visible += page.length
        this.#deliver({ event: 'journal', data: page })
        if (page.length < BACKLOG_PAGE || this.#closed) {
          break
        }
        // A slow viewer reads a long backlog page by page, not all of it from memory.
        await this.#drained()
      }
      if (fromStart && !this.#closed) {
        // The op events stored so far (everything not sent); live `ops` messages update it.
        const ops = (await this.ctx.store.countEvents(this.runId)) - visible
        if (ops > 0) {
          this.#send({ event: 'ops', data: { count: ops } })
        }
      }
      const held = this.#held ?? []
      this.#held = undefined
      for (const message of held) {
        this.#deliver(message)
      }
      if (isEnded(run.status) && !this.#closed) {
        // Ended before we subscribed: no status will come from the bus.
        this.#end(run)
      }
    } catch (error) {
      this.ctx.log(`stream of run ${this.runId} failed: ${String(error)}`)
      this.close()
    }
  }

  close(): void {
    if (this.#closed) {
      return
    }
    this.#closed = true
    this.#unsubscribe()
    clearInterval(this.#heartbeat)
    if (!this.res.writableEnded) {
      this.res.end()
    }
  }

  /** Resolves once the response has room again (or the stream closed). */
  #drained(): Promise<void> {
    if (this.#closed || !this.res.writableNeedDrain) {
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done)
        this.res.off('close', done)
        resolve()
      }
      this.res.on('drain', done)
      this.res.on('close', done)
    })
  }

  #deliver(message: StreamMessage): void {
    if (message.event === 'status') {
      // Every change is forwarded (queued, its reason, running on an agent); only an ended
      // status closes the stream.
      if (isEnded(message.data.status)) {
        this.#end(message.data)
      } else {
        this.#send(message)
      }
      return
    }
    if (message.event === 'journal') {
      const fresh: JournalEvent[] = message.data.filter((e) => e.seq > this.lastSeq)
      if (fresh.length === 0) {
        return
      }
      this.lastSeq = fresh[fresh.length - 1]!.seq
      // All of it fresh (the usual case live): the frame shared with the other viewers.
      this.#send(fresh.length === message.data.length ? message : { event: 'journal', data: fresh })
      this.#shedIfBehind()
      return
    }
    this.#send(message)
    this.#shedIfBehind()
  }

  /**
   * Live messages are pushed as they come; a viewer that does not read them (a stalled tab,
   * a slow link) would otherwise hold every event of the run in this process's memory.
   */
  #shedIfBehind(): void {
    if (this.#held === undefined && this.res.writableLength > MAX_QUEUED_BYTES) {
      this.ctx.log(`stream of run ${this.runId}: viewer too far behind, closing (it reconnects)`)
      this.close()
    }
  }

  #end(summary: RunSummary): void {
    this.#send({ event: 'status', data: summary })
    this.close()
  }

  #send(message: StreamMessage): void {
    this.#write(frameOf(message))
  }

  #write(chunk: string): void {
    if (!this.#closed && !this.res.writableEnded) {
      this.res.write(chunk)
    }
  }
}
