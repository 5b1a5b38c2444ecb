/**
 * Following a placed run to its end through the Chaos Center's stream, across drops: each
 * reconnect asks for the events after the last one seen, so every journal event arrives once,
 * in order. A server that stays unreachable for `lostAfterMs` ends the follow (the run itself
 * goes on, on the agent). Clock and sleep are injected so the rules can be tested without time.
 * @module
 */
import {
  ENDED_STATUSES,
  type JournalEvent,
  type RunSummary,
  type StreamMessage,
} from '../../shared/api.js'
import { StreamLost } from './client.js'

export interface StreamSource {
  stream(
    id: string,
    after: number,
    onMessage: (message: StreamMessage) => void,
    signal: AbortSignal
  ): Promise<void>
}

export interface FollowOptions {
  runId: string
  onJournal(events: JournalEvent[]): void
  /** Every status the stream reports (queued with its reason, running, the end). */
  onStatus(run: RunSummary): void
  signal: AbortSignal
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  lostAfterMs?: number
}

export const BACKOFF = { firstMs: 500, maxMs: 5000 } as const

/** The server was unreachable for `lostAfterMs`. */
export class CenterLost extends Error {
  override name = 'CenterLost'
}

/** Resolves with the run's ended summary; throws CenterLost, or what the client throws for good. */
export async function followRun(source: StreamSource, options: FollowOptions): Promise<RunSummary> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const lostAfterMs = options.lostAfterMs ?? 60_000
  let last = -1
  let ended: RunSummary | undefined
  let lostSince: number | undefined
  let delay: number = BACKOFF.firstMs
  while (!ended) {
    let heard = false
    try {
      await source.stream(
        options.runId,
        last,
        (message) => {
          heard = true
          lostSince = undefined
          if (message.event === 'journal') {
            const fresh = message.data.filter((e) => e.seq > last)
            if (fresh.length > 0) {
              last = fresh[fresh.length - 1]!.seq
              delay = BACKOFF.firstMs
              options.onJournal(fresh)
            }
          } else if (message.event === 'status') {
            options.onStatus(message.data)
            if (ENDED_STATUSES.includes(message.data.status)) {
              ended = message.data
            }
          }
        },
        options.signal
      )
    } catch (error) {
      if (!(error instanceof StreamLost)) {
        throw error
      }
    }
    if (ended || options.signal.aborted) {
      break
    }
    // A stream that closed without an end (a drop, a server restart, an older server closing
    // on a queued run) is reopened; only silence counts towards "lost".
    if (!heard) {
      lostSince ??= now()
      if (now() - lostSince >= lostAfterMs) {
        throw new CenterLost(`lost for ${Math.round(lostAfterMs / 1000)} s`)
      }
    }
    await sleep(delay)
    delay = Math.min(delay * 2, BACKOFF.maxMs)
  }
  if (!ended) {
    throw new CenterLost('aborted')
  }
  return ended
}
