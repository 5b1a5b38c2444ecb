/**
 * One host's capture: tcpdump in the host's namespace, its pcap stream cut at the cap and
 * written to `<dir>/<host>.pcap`. The `terminate` undo is in the ledger before tcpdump runs
 * (the gate, tcpdump.ts), so a dead runner's watchdog ends it; the runner itself stops it with
 * SIGTERM, which makes tcpdump flush and exit, and reads the pipe to its end.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants, createWriteStream, openSync, type WriteStream } from 'node:fs'
import { processStartTime } from '../safety/proc.js'
import type { Ledger, LedgerEntry } from '../safety/ledger.js'
import { PcapCutter } from './pcap.js'
import { isListening, tcpdumpArgv, type TcpdumpOptions } from './tcpdump.js'

/** The ledger's fault id for capture processes. */
export const CAPTURE_LEDGER_ID = 'capture'

export interface HostCaptureOptions extends TcpdumpOptions {
  host: string
  file: string
  maxBytes: number
  ledger: Ledger
  /** The undo's deadline: the watchdog ends tcpdump past it even if the runner lives. */
  deadline: number
  /** How long tcpdump may take to open the capture. */
  readyTimeoutMs?: number
}

export interface HostCaptureOutcome {
  bytes: number
  packets: number
  truncated: boolean
  firstPacketMs?: number
  /** Why the capture stopped early or failed (tcpdump's own words). */
  error?: string
}

export class HostCapture {
  readonly options: HostCaptureOptions
  readonly #cutter: PcapCutter
  #child: ChildProcess | undefined
  #out: WriteStream | undefined
  #entry: LedgerEntry | undefined
  #stderr = ''
  #drained: Promise<void> | undefined
  #exited: Promise<void> | undefined
  #error: string | undefined
  #stopped: Promise<HostCaptureOutcome> | undefined

  constructor(options: HostCaptureOptions) {
    this.options = options
    this.#cutter = new PcapCutter(options.maxBytes)
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Resolves once tcpdump listens; throws (with tcpdump's message) when it cannot. */
  async start(): Promise<void> {
    // O_NOFOLLOW: the runner is root and --report may name a directory others can write to; a
    // <host>.pcap planted there as a symlink must not make it truncate the link's target.
    const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants
    const fd = openSync(this.options.file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o640)
    const out = createWriteStream(this.options.file, { fd })
    this.#out = out
    // A full disk: the capture ends short, said in the result; the run goes on.
    out.on('error', (error) => (this.#error ??= `writing ${this.options.file}: ${error.message}`))
    // Detached: tcpdump leads its own group, which the `terminate` undo kills.
    const child = spawn(tcpdumpArgv(this.options)[0]!, tcpdumpArgv(this.options).slice(1), {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.#child = child
    child.on('error', (error) => (this.#error ??= error.message))
    child.stdin?.on('error', () => {}) // a tcpdump that died at once: its exit says why
    // 'exit', not 'close': the pipe may still hold packets, which #drained waits for.
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => resolve())
      child.once('error', () => resolve())
    })
    const pid = child.pid
    if (pid === undefined) {
      await this.#exited
      throw new Error(`cannot start tcpdump for host ${this.options.host}: ${this.#error ?? ''}`)
    }
    try {
      this.#entry = this.options.ledger.record(
        CAPTURE_LEDGER_ID,
        {
          kind: 'terminate',
          pid,
          startTime: processStartTime(pid),
          label: `tcpdump of host ${this.options.host} (pid ${pid})`,
        },
        this.options.deadline
      )
    } catch (error) {
      child.kill('SIGKILL') // not recorded, so not allowed to capture: it is still at the gate
      throw error
    }
    void this.#exited.then(() => {
      if (this.#entry) {
        this.options.ledger.markUndone(this.#entry.id)
      }
    })
    this.#drained = this.#pump(child, out)
    child.stderr?.setEncoding('utf8')
    const listening = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(this.#failure('did not start listening in time'))),
        this.options.readyTimeoutMs ?? 10_000
      )
      child.stderr?.on('data', (text: string) => {
        this.#stderr = (this.#stderr + text).slice(-4000)
        if (isListening(this.#stderr)) {
          clearTimeout(timer)
          resolve()
        }
      })
      void this.#exited?.then(() => {
        clearTimeout(timer)
        reject(new Error(this.#failure('exited before it listened')))
      })
    })
    child.stdin?.end('go\n')
    try {
      await listening
    } catch (error) {
      await this.stop()
      throw error
    }
  }

  /** Stops tcpdump (SIGTERM: it flushes), waits for its last bytes, closes the file; idempotent. */
  stop(graceMs = 5_000): Promise<HostCaptureOutcome> {
    this.#stopped ??= this.#stop(graceMs)
    return this.#stopped
  }

  async #stop(graceMs: number): Promise<HostCaptureOutcome> {
    const child = this.#child
    if (child) {
      signal(child, 'SIGTERM')
      const killed = setTimeout(() => signal(child, 'SIGKILL'), graceMs)
      await this.#exited
      clearTimeout(killed)
      await this.#drained
    }
    await new Promise<void>((resolve) => (this.#out ? this.#out.end(resolve) : resolve()))
    const { bytes, packets, truncated, firstPacketMs } = this.#cutter.state
    return {
      bytes,
      packets,
      truncated,
      ...(firstPacketMs === undefined ? {} : { firstPacketMs }),
      ...(this.#error === undefined ? {} : { error: this.#error }),
    }
  }

  /** Copies whole packets up to the cap; past it, stops tcpdump and discards the rest. */
  #pump(child: ChildProcess, out: WriteStream): Promise<void> {
    return new Promise((resolve) => {
      const stdout = child.stdout
      if (!stdout) {
        resolve()
        return
      }
      stdout.on('data', (chunk: Buffer) => {
        if (this.#cutter.state.truncated || out.errored) {
          stdout.resume() // read to the end and discard: nothing more goes to the file
          return
        }
        let parts: Buffer[]
        try {
          parts = this.#cutter.push(chunk)
        } catch (error) {
          this.#error ??= (error as Error).message
          signal(child, 'SIGTERM')
          return
        }
        for (const part of parts) {
          if (!out.write(part)) {
            stdout.pause()
            out.once('drain', () => stdout.resume())
            out.once('error', () => stdout.resume())
          }
        }
        if (this.#cutter.state.truncated) {
          signal(child, 'SIGTERM') // the cap keeps the start: nothing later will be written
        }
      })
      stdout.once('end', () => resolve())
      stdout.once('error', () => resolve())
    })
  }

  #failure(what: string): string {
    const said = this.#stderr.trim().split('\n').slice(-2).join(' | ')
    return `tcpdump for host ${this.options.host} ${what}${said ? `: ${said}` : ''}`
  }
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(name)
  }
}
