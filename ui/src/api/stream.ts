/**
 * Follows a run live: `GET /api/runs/:id/stream?after=SEQ`, read with fetch. When the stream
 * drops while the run is still running it reconnects from the last seq it delivered, so the
 * caller sees every journal event once (the run view also ignores replayed seqs).
 */
import { ENDED_STATUSES, type JournalEvent, type RunSummary } from '../../../src/shared/api'
import { authHeaders, UNAUTHORIZED_EVENT } from './client'
import { createSseParser } from './sse'
import { sleep } from '../../../src/shared/duration'

export interface StreamHandlers {
  journal: (events: JournalEvent[]) => void
  ops: (count: number) => void
  status: (run: RunSummary) => void
  /** true while a connection is open: the page shows its live indicator. */
  connected: (open: boolean) => void
}

/** Streams until the run ends or `signal` aborts. `after`: the last seq the caller already has. */
export async function followRun(
  runId: string,
  after: number,
  handlers: StreamHandlers,
  signal: AbortSignal
): Promise<void> {
  let last = after
  let ended = false
  let failures = 0
  while (!ended && !signal.aborted) {
    try {
      const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/stream?after=${last}`, {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        signal,
      })
      if (res.status === 401) {
        window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
        return
      }
      if (!res.ok || !res.body) {
        throw new Error(`stream: ${res.status}`)
      }
      handlers.connected(true)
      failures = 0
      const feed = createSseParser((frame) => {
        if (frame.event === 'journal') {
          const events = JSON.parse(frame.data) as JournalEvent[]
          const tail = events[events.length - 1]
          if (tail) {
            last = Math.max(last, tail.seq)
          }
          handlers.journal(events)
        } else if (frame.event === 'ops') {
          handlers.ops((JSON.parse(frame.data) as { count: number }).count)
        } else if (frame.event === 'status') {
          const run = JSON.parse(frame.data) as RunSummary
          // A queued run streams on: it starts (or is cancelled) later.
          ended = ENDED_STATUSES.includes(run.status)
          handlers.status(run)
        }
      })
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) {
          break
        }
        feed(value)
      }
    } catch (e) {
      if (signal.aborted) {
        return
      }
      failures++
      console.warn('run stream dropped', e)
    } finally {
      handlers.connected(false)
    }
    if (!ended && !signal.aborted) {
      // Back off a little on repeated failures (server restarting), never more than 5 s.
      await sleep(Math.min(5000, 250 * 2 ** Math.min(failures, 5)), signal)
    }
  }
}
