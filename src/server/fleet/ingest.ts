/**
 * An agent's `events` frames into the same ingest path as recorded runs (`recorder.append`,
 * idempotent per seq). Frames are not awaited one after another: each append starts as its
 * frame arrives, and the acks leave in arrival order as the appends resolve. An ack says "every
 * seq up to here is stored", so a frame that lands past a refused one is not acked: the agent
 * resends from its last ack after the nack, and the store keeps each seq once. The ack that
 * covers `run.ended` finishes the run (its result derived from the stored journal).
 * @module
 */
import type { EventsFrame } from '../../platforms/agent/protocol.js'
import { HttpError } from '../http/route.js'
import type { Recorder } from '../context.js'
import type { AgentConnection, RunStream } from './connection.js'

/** A 503 without Retry-After: the agent resends after this long. */
const DEFAULT_RETRY_MS = 1000

export interface IngestDeps {
  recorder: Pick<Recorder, 'append' | 'appendLate'>
  /** The ack covering `run.ended` went out: finish the run. */
  onEnded(conn: AgentConnection, runId: string, stream: RunStream): Promise<void>
  /**
   * A 403/409 nack: the agent drops the run for good, so the server ends it too (review #6),
   * or it would stay `running` with nobody sending its events.
   */
  onRefused(conn: AgentConnection, runId: string, stream: RunStream, message: string): void
  log(line: string): void
}

export function ingestEvents(deps: IngestDeps, conn: AgentConnection, frame: EventsFrame): void {
  const { runId, events } = frame
  const stream = conn.runs.get(runId)
  if (stream === undefined) {
    conn.send(notPlaced(runId, conn.name))
    return
  }
  const first = events[0]!.seq
  // Frames carry contiguous seqs; if one does not, only its contiguous head counts for the ack.
  let last = first
  while (last - first + 1 < events.length && events[last - first + 1]!.seq === last + 1) {
    last++
  }
  const ended = events.find((event) => event.type === 'run.ended')
  const append = stream.late
    ? deps.recorder.appendLate(runId, events)
    : deps.recorder.append(runId, events)
  // Settled in the chain below; this only keeps an early rejection from being "unhandled".
  append.catch(() => undefined)
  stream.tail = stream.tail.then(async () => {
    try {
      await append
    } catch (error) {
      const nack = nackOf(runId, error)
      conn.send(nack)
      if (nack.status !== 503) {
        deps.onRefused(conn, runId, stream, nack.message)
      }
      return
    }
    if (first > stream.ackedSeq + 1) {
      // Past a gap a refused frame left: acking it would claim the gap stored.
      return
    }
    stream.ackedSeq = Math.max(stream.ackedSeq, last)
    if (ended !== undefined && ended.seq <= last) {
      stream.endedSeq = ended.seq
    }
    conn.send({ type: 'ack', runId, seq: stream.ackedSeq })
    if (
      stream.endedSeq !== undefined &&
      stream.ackedSeq >= stream.endedSeq &&
      stream.finishing !== true
    ) {
      stream.finishing = true
      await deps.onEnded(conn, runId, stream).catch((error: unknown) => {
        deps.log(
          `run ${runId}: finishing after agent ${conn.name}'s report failed: ${String(error)}`
        )
      })
    }
  })
}

export function notPlaced(runId: string, agent: string) {
  return {
    type: 'nack' as const,
    runId,
    status: 403 as const,
    message: `run ${runId} is not placed on agent ${agent}`,
  }
}

/** The recorder's HttpError as the agent's nack: 409 drop them, 503 resend after retryMs. */
export function nackOf(runId: string, error: unknown) {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof HttpError && (error.status === 409 || error.status === 404)) {
    return { type: 'nack' as const, runId, status: 409 as const, message }
  }
  if (error instanceof HttpError && error.status === 403) {
    return { type: 'nack' as const, runId, status: 403 as const, message }
  }
  const retryMs =
    error instanceof HttpError && error.retryAfterSeconds !== undefined
      ? error.retryAfterSeconds * 1000
      : DEFAULT_RETRY_MS
  return { type: 'nack' as const, runId, status: 503 as const, message, retryMs }
}
