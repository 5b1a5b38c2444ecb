/**
 * One direction of one connection: bytes from `source` run through the toxics of that
 * direction and are written to `dest`, with backpressure both ways. With no active toxic, reads
 * are written straight through (the throughput path); otherwise they queue, stamped, and a
 * single pump runs them through the chain in order.
 * @module
 */
import type { Socket } from 'node:net'
import type { Random } from './rng.js'
import type { Chunk, Stage, StageContext } from './stage.js'
import type { Toxic } from './toxic-spec.js'
import { stageFactories } from './toxics/registry.js'

export interface LinkOwner {
  readonly random: Random
  readonly resetOnClose: boolean
  close(kind: 'fin' | 'rst'): void
  /** The source ended and everything before the EOF went out. */
  finished(link: Link): void
}

interface Wired {
  toxic: Toxic
  active: boolean
  stage: Stage
}

// Above these the source is paused (the reference's latency toxic buffers 1024 chunks).
const kMaxChunks = 1024
const kMaxBytes = 8 * 1024 * 1024

export class Link {
  private chain: Wired[] = []
  private active = 0
  private queue: (Chunk | null)[] = []
  private queuedBytes = 0
  private pumping = false
  private eof = false
  private waitingDrain = false
  private closed = false
  private wake = new AbortController()
  private readonly shut = new AbortController()

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly owner: LinkOwner,
    toxics: readonly Toxic[]
  ) {
    this.chain = toxics.map((t) => this.wire(t))
    this.count()
    source.on('data', (data: Buffer) => this.onData(data))
    source.on('end', () => this.onEof())
    source.on('close', () => this.onEof())
  }

  add(toxic: Toxic, index: number): void {
    const wired = this.wire(toxic)
    this.chain = [...this.chain.slice(0, index), wired, ...this.chain.slice(index)]
    this.restart(this.chain[index - 1])
    this.rewired()
  }

  update(toxic: Toxic): void {
    this.restart(this.chain.find((w) => w.toxic === toxic))
    this.rewired()
  }

  remove(toxic: Toxic): void {
    const index = this.chain.findIndex((w) => w.toxic === toxic)
    const wired = this.chain[index]
    if (wired === undefined) {
      return
    }
    this.chain = this.chain.filter((w) => w !== wired)
    if (wired.active) {
      wired.stage.stop?.(true)
    }
    this.restart(this.chain[index - 1])
    this.rewired()
  }

  /** The connection is going down: stop timers and wake every sleeper. */
  close(): void {
    if (this.closed) {
      return
    }
    this.closed = true
    for (const w of this.chain) {
      if (w.active) {
        w.stage.stop?.(false)
      }
    }
    this.queue = []
    this.wake.abort()
    this.shut.abort()
  }

  private wire(toxic: Toxic): Wired {
    const ctx: StageContext = {
      toxic,
      random: this.owner.random,
      resetOnClose: this.owner.resetOnClose,
      sleep: (ms, interruptible = true) => this.sleep(ms, interruptible),
      close: (kind) => this.owner.close(kind),
    }
    const wired = { toxic, active: this.roll(toxic), stage: stageFactories[toxic.type](ctx) }
    if (wired.active) {
      wired.stage.start?.()
    }
    return wired
  }

  /** Toxicity is rolled per link each time a stage starts, as the reference does. */
  private roll(toxic: Toxic): boolean {
    return this.owner.random() < toxic.toxicity
  }

  private restart(wired: Wired | undefined): void {
    if (wired === undefined) {
      return
    }
    if (wired.active) {
      wired.stage.stop?.(false)
    }
    wired.active = this.roll(wired.toxic)
    if (wired.active) {
      wired.stage.start?.()
    }
  }

  /** Pending waits end at once (a held chunk goes on now), then new chunks see the new chain. */
  private rewired(): void {
    this.count()
    this.wake.abort()
    this.wake = new AbortController()
    if (this.active > 0 || this.queue.length > 0) {
      void this.pump()
    }
  }

  private count(): void {
    this.active = this.chain.filter((w) => w.active).length
  }

  private sleep(ms: number, interruptible: boolean): Promise<void> {
    const signals = interruptible ? [this.wake.signal, this.shut.signal] : [this.shut.signal]
    if (signals.some((s) => s.aborted)) {
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signals.forEach((s) => s.removeEventListener('abort', done))
        resolve()
      }
      const timer = setTimeout(done, ms)
      signals.forEach((s) => s.addEventListener('abort', done, { once: true }))
    })
  }

  private onData(data: Buffer): void {
    if (this.closed) {
      return
    }
    if (this.active === 0 && !this.pumping && this.queue.length === 0) {
      if (!this.dest.write(data)) {
        this.waitingDrain = true
        this.source.pause()
        this.dest.once('drain', () => {
          this.waitingDrain = false
          this.resumeIfRoom()
        })
      }
      return
    }
    this.queue.push({ data, at: performance.now() })
    this.queuedBytes += data.length
    if (this.queue.length >= kMaxChunks || this.queuedBytes >= kMaxBytes) {
      this.source.pause()
    }
    void this.pump()
  }

  private resumeIfRoom(): void {
    if (
      !this.waitingDrain &&
      this.queue.length < kMaxChunks / 2 &&
      this.queuedBytes < kMaxBytes / 2
    ) {
      this.source.resume()
    }
  }

  private onEof(): void {
    if (this.eof || this.closed) {
      return
    }
    this.eof = true
    this.queue.push(null)
    void this.pump()
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      return
    }
    this.pumping = true
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift()!
        if (item === null) {
          await this.runEnd(this.chain)
          if (!this.closed) {
            this.owner.finished(this)
          }
          return
        }
        this.queuedBytes -= item.data.length
        if (this.source.isPaused()) {
          this.resumeIfRoom()
        }
        await this.runChunk(this.chain, 0, item)
      }
    } finally {
      this.pumping = false
    }
  }

  private runChunk(chain: Wired[], from: number, chunk: Chunk): Promise<void> {
    let i = from
    while (i < chain.length && !chain[i]!.active) {
      i++
    }
    const wired = chain[i]
    if (wired === undefined) {
      return this.write(chunk.data)
    }
    return wired.stage.chunk(chunk, (out) => this.runChunk(chain, i + 1, out))
  }

  private async runEnd(chain: Wired[]): Promise<void> {
    for (const w of chain) {
      if (this.closed) {
        return
      }
      if (w.active && w.stage.end) {
        await w.stage.end()
      }
    }
  }

  private async write(data: Buffer): Promise<void> {
    if (this.closed || this.dest.destroyed || this.dest.writableEnded) {
      return
    }
    if (this.dest.write(data)) {
      return
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        this.dest.off('drain', done)
        this.dest.off('close', done)
        resolve()
      }
      this.dest.on('drain', done)
      this.dest.on('close', done)
    })
  }
}
