/**
 * The client side of `ordeal run --server`: checks the token before anything starts, then
 * mirrors the run's journal to the Chaos Center in ordered batches with retries. Recording is
 * a side effect, never a dependency: a server that goes away mid-run costs one warning, not
 * the run, its verdict or its exit code. Nothing here blocks the engine: events are queued
 * synchronously and sent by a background loop.
 * @module
 */
import type { JournalEvent } from '../../engine/events.js'
import type { RunSummary } from '../../shared/api.js'

/** A problem found before the run starts: the CLI prints it on one line and exits 2. */
export class RecordSetupError extends Error {
  override name = 'RecordSetupError'
}

export interface RecordClientOptions {
  server: string
  token: string
  /**
   * Make the run's manifest the experiment's current version (`--update-experiment`); by
   * default the run is recorded against its version and the current one stays as it is.
   */
  updateExperiment?: boolean
  /** Where warnings go (one line each, at most one per kind of trouble). */
  warn(line: string): void
}

const SEND_EVERY_MS = 200
/** Events per request, and bytes: the server's body limit is 2 MiB. */
const BATCH_EVENTS = 1000
const BATCH_BYTES = 1024 * 1024
const REQUEST_TIMEOUT_MS = 5000
/** Delays between attempts of one request; after the last, the server counts as gone. */
const RETRY_DELAYS_MS = [200, 500, 1000, 2000]
/** The end of the run waits at most this long for the server before giving up. */
const FINISH_BUDGET_MS = 15_000

interface Answer {
  status: number
  body: unknown
}

class RequestFailed extends Error {
  constructor(
    message: string,
    /** Worth another attempt: network error, timeout, 5xx, 429. */
    readonly transient: boolean
  ) {
    super(message)
  }
}

export class RecordClient {
  readonly #server: string
  readonly #token: string
  readonly #warn: (line: string) => void
  readonly #updateExperiment: boolean
  #queue: JournalEvent[] = []
  #runId: string | undefined
  #gone = false
  #timer: NodeJS.Timeout | undefined
  #sending: Promise<void> | undefined
  #registered: Promise<void> | undefined

  private constructor(options: RecordClientOptions) {
    this.#server = options.server.replace(/\/+$/, '')
    this.#token = options.token
    this.#warn = options.warn
    this.#updateExperiment = options.updateExperiment ?? false
  }

  /** Checks the server and the token (editor at least); throws RecordSetupError otherwise. */
  static async connect(options: RecordClientOptions): Promise<RecordClient> {
    const client = new RecordClient(options)
    let answer: Answer
    try {
      answer = await client.#request('GET', '/api/auth/me')
    } catch (error) {
      throw new RecordSetupError(`cannot reach ${client.#server}: ${describe(error)}`)
    }
    if (answer.status === 401) {
      throw new RecordSetupError(`${client.#server} rejected the token (401 unauthorized)`)
    }
    if (answer.status !== 200) {
      throw new RecordSetupError(`${client.#server} answered ${answer.status} ${message(answer)}`)
    }
    const role = (answer.body as { role?: string }).role
    if (role !== 'editor' && role !== 'owner') {
      throw new RecordSetupError(
        `the token's role is ${role ?? 'unknown'}; recording runs needs editor (403 forbidden)`
      )
    }
    return client
  }

  /**
   * Registers the run (the engine has just given it its id) and starts sending. Events queued
   * before this are sent once the registration is answered.
   */
  begin(runId: string, yaml: string, file: string): void {
    this.#runId = runId
    this.#registered = this.#withRetry('POST', '/api/runs/record', {
      yaml,
      runId,
      file,
      ...(this.#updateExperiment ? { updateExperiment: true } : {}),
    }).then(
      () => {
        this.#timer = setInterval(() => void this.#pump(), SEND_EVERY_MS)
      },
      (error: unknown) => this.#giveUp(error)
    )
  }

  /** Queues an event; never blocks, never throws. */
  push = (event: JournalEvent): void => {
    if (!this.#gone) {
      this.#queue.push(event)
    }
  }

  /** The run's page on the server. */
  get url(): string | undefined {
    return this.#runId === undefined ? undefined : `${this.#server}/runs/${this.#runId}`
  }

  /**
   * Sends what is left and ends the run on the server, within a time budget. Returns the run
   * as recorded, or undefined when the server could not be reached (already warned).
   */
  async finish(): Promise<RunSummary | undefined> {
    const work = async () => {
      await this.#registered
      clearInterval(this.#timer)
      while (!this.#gone && (this.#queue.length > 0 || this.#sending)) {
        await this.#pump()
      }
      if (this.#gone) {
        return undefined
      }
      try {
        const answer = await this.#withRetry('POST', `/api/runs/${this.#runId}/finish`, {})
        return answer.body as RunSummary
      } catch (error) {
        this.#giveUp(error)
        return undefined
      }
    }
    let timer: NodeJS.Timeout | undefined
    const budget = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.#giveUp(new Error(`no answer within ${FINISH_BUDGET_MS / 1000}s`))
        resolve(undefined)
      }, FINISH_BUDGET_MS)
    })
    try {
      return await Promise.race([work(), budget])
    } finally {
      clearTimeout(timer)
      clearInterval(this.#timer)
    }
  }

  /**
   * The experiment's current version, to tell the user when the run's own version is not it;
   * undefined when the server does not answer (it is only a note).
   */
  async currentVersion(experimentId: string): Promise<number | undefined> {
    try {
      const answer = await this.#request(
        'GET',
        `/api/experiments/${encodeURIComponent(experimentId)}`
      )
      const version = (answer.body as { version?: unknown } | undefined)?.version
      return answer.status === 200 && typeof version === 'number' ? version : undefined
    } catch {
      return undefined
    }
  }

  /** Sends the queue in order, one request at a time. */
  #pump(): Promise<void> {
    if (this.#sending) {
      return this.#sending
    }
    this.#sending = (async () => {
      while (!this.#gone && this.#queue.length > 0) {
        const batch = takeBatch(this.#queue)
        try {
          await this.#withRetry('POST', `/api/runs/${this.#runId}/events`, { events: batch })
          this.#queue.splice(0, batch.length)
        } catch (error) {
          this.#giveUp(error)
        }
      }
    })().finally(() => {
      this.#sending = undefined
    })
    return this.#sending
  }

  #giveUp(error: unknown): void {
    if (this.#gone) {
      return
    }
    this.#gone = true
    this.#queue = []
    clearInterval(this.#timer)
    this.#warn(
      `warning: recording to ${this.#server} stopped (${describe(error)}); the run goes on`
    )
  }

  async #withRetry(method: string, path: string, body: unknown): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.#request(method, path, body)
        if (answer.status >= 200 && answer.status < 300) {
          return answer
        }
        const transient = answer.status >= 500 || answer.status === 429
        throw new RequestFailed(`${answer.status} ${message(answer)}`, transient)
      } catch (error) {
        const transient = !(error instanceof RequestFailed) || error.transient
        const delay = RETRY_DELAYS_MS[attempt]
        if (!transient || delay === undefined || this.#gone) {
          throw error
        }
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  async #request(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.#server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // Not JSON (a proxy's error page): keep the text for the message.
    }
    return { status: response.status, body: parsed }
  }
}

function takeBatch(queue: readonly JournalEvent[]): JournalEvent[] {
  const batch: JournalEvent[] = []
  let bytes = 0
  for (const event of queue) {
    // Op events are ~200 bytes; measuring each keeps a batch of large events under the limit.
    bytes += JSON.stringify(event).length
    if (batch.length > 0 && (batch.length >= BATCH_EVENTS || bytes > BATCH_BYTES)) {
      break
    }
    batch.push(event)
  }
  return batch
}

function message(answer: Answer): string {
  const body = answer.body as { message?: unknown } | string
  if (typeof body === 'string') {
    return body.slice(0, 200).replace(/\s+/g, ' ')
  }
  return typeof body?.message === 'string' ? body.message : ''
}

/** fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a timeout). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error)
  }
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined
  const detail = typeof cause?.code === 'string' ? cause.code : cause?.message
  return typeof detail === 'string' && detail !== '' ? `${error.message}: ${detail}` : error.message
}
