/**
 * Keeps one AMQP connection alive across a list of broker nodes: when the connection is lost
 * (or cannot be made), it tries the next URL, with exponential backoff, forever. Every new
 * connection runs `setup` (channels, queue declaration, consumers) again.
 * @module
 */
import { connect, type Channel, type ChannelModel } from 'amqplib'
import { errorMessage, type Log } from '../log.js'

export interface LinkOptions {
  urls: string[]
  log: Log
  /**
   * Runs on every new connection. `drop` closes this connection (the link then moves on to the
   * next URL); throwing does the same.
   */
  setup: (connection: ChannelModel, drop: (reason: string) => void) => Promise<void>
  /** Called once the connection set up last is gone, before reconnecting. */
  onLost?: () => void
  /** @default 100 */
  initialDelayMs?: number
  /** @default 2000 */
  maxDelayMs?: number
}

export class AmqpLink {
  readonly #options: LinkOptions
  #connection: ChannelModel | undefined
  #stopped = false
  #sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined
  #loop: Promise<void> | undefined

  constructor(options: LinkOptions) {
    if (options.urls.length === 0) {
      throw new Error('AmqpLink needs at least one URL')
    }
    this.#options = options
  }

  start(): void {
    this.#loop ??= this.#run()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#sleeping) {
      clearTimeout(this.#sleeping.timer)
      this.#sleeping.wake()
    }
    await this.#connection?.close().catch(() => undefined)
    await this.#loop
  }

  async #run(): Promise<void> {
    const { urls, log, initialDelayMs = 100, maxDelayMs = 2000 } = this.#options
    let index = 0
    let delayMs = initialDelayMs
    while (!this.#stopped) {
      const url = urls[index]!
      const outcome = await this.#session(url)
      if (outcome === 'served') {
        delayMs = initialDelayMs // it worked for a while: start the backoff over
      }
      if (this.#stopped) {
        return
      }
      // The node we lost (or could not reach) is probably down: try the next one.
      index = (index + 1) % urls.length
      log(`reconnecting to ${redact(urls[index]!)} in ${delayMs}ms`)
      await this.#sleep(delayMs)
      delayMs = Math.min(maxDelayMs, delayMs * 2)
    }
  }

  /** One connection's life: connect, set up, serve until closed. */
  async #session(url: string): Promise<'failed' | 'served'> {
    const { log, setup, onLost } = this.#options
    let connection: ChannelModel
    try {
      connection = await connect(withHeartbeat(url), { timeout: 3000 })
    } catch (error) {
      log(`cannot connect to ${redact(url)}: ${errorMessage(error)}`)
      return 'failed'
    }
    // 'error' always precedes 'close'; without a listener it would crash the process.
    connection.on('error', () => undefined)
    let open = true
    const closed = new Promise<Error | undefined>((resolve) =>
      connection.once('close', (error?: Error) => {
        open = false
        resolve(error)
      })
    )
    const drop = (reason: string) => {
      if (open) {
        open = false
        log(`dropping the connection to ${redact(url)}: ${reason}`)
        connection.close().catch(() => undefined)
      }
    }
    this.#connection = connection
    try {
      if (this.#stopped) {
        throw new Error('stopping') // stop() ran while we connected: it could not close this one
      }
      await setup(connection, drop)
    } catch (error) {
      if (!this.#stopped) {
        log(`setup on ${redact(url)} failed: ${errorMessage(error)}`)
      }
      await connection.close().catch(() => undefined)
      this.#connection = undefined
      onLost?.()
      return 'failed'
    }
    if (this.#stopped) {
      await connection.close().catch(() => undefined) // stop() ran during setup
    }
    log(`connected to ${redact(url)}`)
    const error = await closed
    this.#connection = undefined
    onLost?.()
    if (!this.#stopped) {
      log(`connection to ${redact(url)} lost${error ? `: ${errorMessage(error)}` : ''}`)
    }
    return 'served'
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeping = undefined
        resolve()
      }, ms)
      this.#sleeping = { timer, wake: resolve }
    })
  }
}

/**
 * A channel the broker closed (a queue error, a cancelled consumer) leaves its connection of no
 * use to us: drop it, so the link starts over. When the channel closed because the connection
 * died, the connection's own 'close' comes right after, in the same tick: deferring the check
 * keeps that case quiet.
 */
export function dropWhenClosed(channel: Channel, drop: (reason: string) => void): void {
  channel.on('error', () => undefined)
  channel.once('close', () => setImmediate(() => drop('channel closed by the broker')))
}

/**
 * A dead peer behind a live socket (a paused node, a partition) is noticed only by heartbeats;
 * 5 s instead of the broker's 60 s default, unless the URL says otherwise.
 */
export function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) {
    return url
  }
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=5`
}

/** `amqp://user:secret@host` → `amqp://host`, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//')
}
