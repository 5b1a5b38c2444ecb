/**
 * What a toxic does to one direction of one connection. A link runs each chunk (one socket
 * read, stamped with its arrival time) through the stages of its direction in order.
 * @module
 */
import type { Random } from './rng.js'
import type { Toxic } from './toxic-spec.js'

/** One socket read; `at` is its arrival (performance.now() ms), moved on by timing toxics. */
export interface Chunk {
  data: Buffer
  at: number
}

export type Emit = (chunk: Chunk) => Promise<void>

export interface StageContext {
  /** The toxic as it is now: updates change its attributes in place. */
  readonly toxic: Toxic
  readonly random: Random
  /** Resolves after `ms`, or early when the link is re-wired (interruptible) or closed. */
  sleep(ms: number, interruptible?: boolean): Promise<void>
  /** Closes the whole connection: 'rst' sends a TCP reset to both peers. */
  close(kind: 'fin' | 'rst'): void
  /** reset_peer was present when the connection was accepted (the reference's SO_LINGER=0). */
  readonly resetOnClose: boolean
}

export interface Stage {
  chunk(chunk: Chunk, emit: Emit): Promise<void>
  /** The source reached EOF; resolve to let the EOF go on down the chain. */
  end?(): Promise<void>
  /** The stage (re)started on this link: when it was wired or re-rolled. */
  start?(): void
  /** The stage stops on this link; `removed` when its toxic was deleted. */
  stop?(removed: boolean): void
}

export type StageFactory = (ctx: StageContext) => Stage
