/**
 * The Chaos Center as `ordeal run --agent` sees it: check it and the token before anything is
 * sent, submit the run, follow its stream, read it back, cancel it. Every problem before the
 * run exists is a PlacedSetupError whose message is the one line of design §9 (without the
 * `ordeal run: ` prefix).
 * @module
 */
import type {
  EventPage,
  JournalEvent,
  Me,
  Run,
  RunSummary,
  StreamMessage,
  SubmitRunRequest,
} from '../../shared/api.js'
import { createSseParser } from '../../shared/sse.js'

export class PlacedSetupError extends Error {
  override name = 'PlacedSetupError'
}

/** A stream that could not be opened or broke: worth a reconnect. */
export class StreamLost extends Error {
  override name = 'StreamLost'
}

const REQUEST_TIMEOUT_MS = 10_000
/** The submit carries the bundle (up to 16 MiB raw): give it time on a slow link. */
const SUBMIT_TIMEOUT_MS = 120_000

interface Answer {
  status: number
  body: unknown
}

export class CenterClient {
  readonly server: string
  readonly #token: string

  constructor(server: string, token: string) {
    this.server = server.replace(/\/+$/, '')
    this.#token = token
  }

  /** The server is a Chaos Center and the token may place runs (editor or owner). */
  async check(): Promise<void> {
    const health = await this.#setup('GET', '/api/health')
    if (health.status !== 200 || (health.body as { status?: unknown }).status !== 'ok') {
      throw new PlacedSetupError(
        `${this.server} is not a Chaos Center (GET /api/health answered ${health.status})`
      )
    }
    const me = await this.#setup('GET', '/api/auth/me')
    this.#refused(me)
    // An agent token is refused even here (403 "... token has agent"): its role is in the message.
    const role =
      me.status === 403
        ? /token has (\w+)/.exec(message(me))?.[1]
        : (me.body as Partial<Me>).role
    if (role !== 'editor' && role !== 'owner') {
      throw new PlacedSetupError(
        `the token's role is ${role ?? 'unknown'}; placing runs needs editor (403 forbidden)`
      )
    }
  }

  async submit(request: SubmitRunRequest): Promise<RunSummary> {
    const answer = await this.#setup('POST', '/api/runs/submit', request, SUBMIT_TIMEOUT_MS)
    this.#refused(answer)
    if (answer.status === 201 || answer.status === 200) {
      return answer.body as RunSummary
    }
    const text = message(answer)
    // The server does not know its own public URL; the CLI names it, as design §9 asks.
    const unknown = /^agent (\S+) is not registered( .*)?$/.exec(text)
    if (answer.status === 404 && unknown) {
      throw new PlacedSetupError(
        `agent ${unknown[1]} is not registered on ${this.server}${unknown[2] ?? ''}`
      )
    }
    if (answer.status === 404 && /^no registered agent has labels/.test(text)) {
      throw new PlacedSetupError(text)
    }
    if (answer.status === 404 && text === '') {
      throw new PlacedSetupError(
        `${this.server} cannot place runs on agents (POST /api/runs/submit answered 404)`
      )
    }
    throw new PlacedSetupError(`${this.server} refused the run (${answer.status}: ${text})`)
  }

  async getRun(id: string): Promise<Run> {
    const answer = await this.#request('GET', `/api/runs/${encodeURIComponent(id)}`)
    if (answer.status !== 200) {
      throw new StreamLost(`GET /api/runs/${id} answered ${answer.status} ${message(answer)}`)
    }
    return answer.body as Run
  }

  /** Every stored event of the run, op events included, page by page in seq order. */
  async *events(id: string): AsyncGenerator<JournalEvent[]> {
    let after = -1
    for (;;) {
      const answer = await this.#request(
        'GET',
        `/api/runs/${encodeURIComponent(id)}/events?after=${after}&limit=5000`
      )
      if (answer.status !== 200) {
        throw new StreamLost(`GET events answered ${answer.status} ${message(answer)}`)
      }
      const page = answer.body as EventPage
      yield page.events
      if (page.next === undefined || page.events.length === 0) {
        return
      }
      after = page.next
    }
  }

  /** Cancels a queued run, or asks the agent to abort a running one. */
  async abort(id: string): Promise<void> {
    const answer = await this.#request('POST', `/api/runs/${encodeURIComponent(id)}/abort`, {})
    if (answer.status >= 300 && answer.status !== 409) {
      throw new StreamLost(`abort answered ${answer.status} ${message(answer)}`)
    }
  }

  /**
   * Reads `/api/runs/:id/stream?after=` until the server closes it. Resolves when it closed
   * normally; throws StreamLost when it could not be opened or broke, and PlacedSetupError
   * when the server refuses it for good (token revoked, run gone).
   */
  async stream(
    id: string,
    after: number,
    onMessage: (message: StreamMessage) => void,
    signal: AbortSignal
  ): Promise<void> {
    let res: Response
    try {
      res = await fetch(`${this.server}/api/runs/${encodeURIComponent(id)}/stream?after=${after}`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${this.#token}` },
        signal,
      })
    } catch (error) {
      throw new StreamLost(describe(error))
    }
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      const body = await res.text().catch(() => '')
      throw new PlacedSetupError(
        `${this.server} stopped the stream of run ${id} (${res.status}: ${message({ status: res.status, body: parse(body) })})`
      )
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined)
      throw new StreamLost(`stream answered ${res.status}`)
    }
    const feed = createSseParser((frame) => {
      if (frame.event === 'journal' || frame.event === 'ops' || frame.event === 'status') {
        onMessage({ event: frame.event, data: JSON.parse(frame.data) } as StreamMessage)
      }
    })
    try {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) {
          return
        }
        feed(value)
      }
    } catch (error) {
      if (signal.aborted) {
        return
      }
      throw new StreamLost(describe(error))
    }
  }

  #refused(answer: Answer): void {
    if (answer.status === 401) {
      throw new PlacedSetupError(
        `${this.server} rejected the token (401 unauthorized: ${message(answer) || 'invalid or expired token'})`
      )
    }
  }

  /** A request before the run exists: a network failure is the "cannot reach" line. */
  async #setup(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Answer> {
    try {
      return await this.#request(method, path, body, timeoutMs)
    } catch (error) {
      throw new PlacedSetupError(`cannot reach ${this.server}: ${describe(error)}`)
    }
  }

  async #request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = REQUEST_TIMEOUT_MS
  ): Promise<Answer> {
    const response = await fetch(`${this.server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    return { status: response.status, body: parse(await response.text()) }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text // not JSON (a proxy's error page): kept for the message
  }
}

function message(answer: Answer): string {
  const body = answer.body as { message?: unknown } | string | undefined
  if (typeof body === 'string') {
    return body.slice(0, 200).replace(/\s+/g, ' ').trim()
  }
  return typeof body?.message === 'string' ? body.message : ''
}

/** fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a timeout). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error)
  }
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  const detail = typeof cause?.code === 'string' ? cause.code : cause?.message
  return typeof detail === 'string' && detail !== '' ? `${error.message}: ${detail}` : error.message
}
