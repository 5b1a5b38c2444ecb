/**
 * A run's captures: one {@link HostCapture} per recorded host, started together once the
 * system is ready and stopped together at the end of the steps (or at teardown, whatever
 * ended the steps). Journals `capture.started` and one `capture.saved` per host, from which the
 * result's `captures` and the reports are derived.
 * @module
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { JournalEventBody } from '../engine/events.js'
import type { Ledger } from '../safety/ledger.js'
import type { Topology } from '../platforms/local/network/topology.js'
import type { CaptureResult } from '../shared/result.js'
import type { CaptureSpec } from './contract.js'
import { HostCapture } from './host-capture.js'

export interface RunCaptureOptions {
  spec: CaptureSpec
  topology: Topology | undefined
  /** Where the files go: `<dir>/<host>.pcap`. */
  dir: string
  ledger: Ledger
  deadline: number
  emit: (body: JournalEventBody) => void
}

export class RunCapture {
  readonly #options: RunCaptureOptions
  #hosts: HostCapture[] = []
  #startedAt = 0
  #stopped: Promise<void> | undefined

  constructor(options: RunCaptureOptions) {
    this.#options = options
  }

  /** Starts every host's tcpdump; if one cannot start, stops the others and throws. */
  async start(): Promise<void> {
    const { spec, topology, dir } = this.#options
    mkdirSync(dir, { recursive: true })
    this.#hosts = spec.hosts.map((name) => {
      const host = topology?.hosts.find((h) => h.name === name)
      if (!host) {
        throw new Error(`capture: the run has no host named '${name}'`)
      }
      return new HostCapture({
        host: name,
        namespace: host.namespace,
        file: path.join(dir, `${name}.pcap`),
        maxBytes: spec.maxBytes,
        snaplen: spec.snaplen,
        ...(spec.filter === undefined ? {} : { filter: spec.filter }),
        ledger: this.#options.ledger,
        deadline: this.#options.deadline,
      })
    })
    const started = await Promise.allSettled(this.#hosts.map((h) => h.start()))
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) {
      await Promise.all(this.#hosts.map((h) => h.stop()))
      this.#hosts = []
      throw (failed as PromiseRejectedResult).reason
    }
    this.#startedAt = Date.now()
    this.#options.emit({
      type: 'capture.started',
      captures: this.#hosts.map((h) => ({ host: h.options.host, file: h.options.file })),
    })
  }

  /** Stops every capture and journals what each file holds; idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop()
    return this.#stopped
  }

  async #stop(): Promise<void> {
    const outcomes = await Promise.all(this.#hosts.map((h) => h.stop()))
    const endedAt = new Date().toISOString()
    this.#hosts.forEach((h, i) => {
      const o = outcomes[i]!
      const capture: CaptureResult = {
        host: h.options.host,
        file: h.options.file,
        bytes: o.bytes,
        packets: o.packets,
        truncated: o.truncated,
        startedAt: new Date(this.#startedAt).toISOString(),
        endedAt,
        ...(o.firstPacketMs === undefined
          ? {}
          : { firstPacketAt: new Date(Math.floor(o.firstPacketMs)).toISOString() }),
        ...(o.error === undefined ? {} : { error: o.error }),
      }
      this.#options.emit({ type: 'capture.saved', capture })
    })
  }
}
