/**
 * Reads the Chaos Center's run stream the way the UI does: fetch with the token in a header and
 * a ReadableStream reader, parsed into SSE messages that tests can await one by one.
 * @module
 */
import type { StreamMessage } from '../../src/shared/api.js'

export interface SseReader {
  /** Resolves with the first message (from the start of the stream) that matches. */
  waitFor(
    match: (m: StreamMessage) => boolean,
    what: string,
    timeoutMs?: number
  ): Promise<StreamMessage>
  /** Every message so far. */
  messages: StreamMessage[]
  /** Resolves when the server closes the stream. */
  closed: Promise<void>
  contentType: string
  cancel(): Promise<void>
}

export async function openStream(url: string, token: string): Promise<SseReader> {
  const controller = new AbortController()
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  })
  if (response.status !== 200 || !response.body) {
    throw new Error(`stream ${url}: ${response.status} ${await response.text()}`)
  }
  const messages: StreamMessage[] = []
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((w) => w())
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  const closed = (async () => {
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) {
          return
        }
        buffer += value
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) {
            messages.push({ event, data: JSON.parse(data) } as StreamMessage)
            notify()
          }
        }
      }
    } catch {
      // Cancelled by the test.
    } finally {
      notify()
    }
  })()
  let isClosed = false
  void closed.then(() => (isClosed = true))
  return {
    messages,
    closed,
    contentType: response.headers.get('content-type') ?? '',
    waitFor(match, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match)
          if (found) {
            cleanup()
            resolve(found)
          } else if (isClosed) {
            cleanup()
            reject(new Error(`stream closed before ${what}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${what}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        void closed.then(check)
        check()
      })
    },
    async cancel() {
      controller.abort()
      // The abort alone can leave the read loop waiting forever: when it races the server's
      // own end of the stream (a run's end event is the last message), fetch's body neither
      // ends nor errors the piped stream. Cancelling our reader always settles a pending read.
      await reader.cancel().catch(() => undefined)
      await closed
    },
  }
}
