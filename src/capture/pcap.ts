/**
 * Cuts a pcap byte stream (tcpdump `-w -`) at whole packets: the cap is enforced here, not by
 * tcpdump's -C (which rotates files and so keeps the end, not the start). Everything before the
 * cap is passed on unchanged; the first packet that would pass it, and all after, are dropped.
 * Counting records as they pass also gives the packet count and the first packet's time (where
 * Wireshark's "seconds since beginning of capture" start) without reading the file again.
 * @module
 */
import { MIN_CAPTURE_BYTES } from './schema.js'

/** The file header; a record header is 16 bytes (ts_sec, ts_frac, incl_len, orig_len). */
export const PCAP_HEADER_BYTES = 24
export const RECORD_HEADER_BYTES = 16

export interface CutterState {
  /** Bytes passed on (what the file holds). */
  bytes: number
  /** Whole packets passed on. */
  packets: number
  /** A packet was dropped at the cap. */
  truncated: boolean
  /** The first packet's capture time, ms since the epoch (fractional). */
  firstPacketMs?: number
}

export class PcapCutter {
  readonly #maxBytes: number
  #pending: Buffer = Buffer.alloc(0)
  #little = true
  #nanos = false
  #headerSeen = false
  readonly state: CutterState = { bytes: 0, packets: 0, truncated: false }

  constructor(maxBytes: number) {
    if (maxBytes < MIN_CAPTURE_BYTES) {
      throw new RangeError(`a capture cap must be at least ${MIN_CAPTURE_BYTES} bytes`)
    }
    this.#maxBytes = maxBytes
  }

  /** Feeds a chunk; returns the bytes to write (whole header and records only). */
  push(chunk: Buffer): Buffer[] {
    if (this.state.truncated) {
      return []
    }
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk
    const out: Buffer[] = []
    let at = 0
    if (!this.#headerSeen) {
      if (this.#pending.length < PCAP_HEADER_BYTES) {
        return out
      }
      this.#readMagic(this.#pending)
      out.push(this.#pending.subarray(0, PCAP_HEADER_BYTES))
      this.state.bytes += PCAP_HEADER_BYTES
      this.#headerSeen = true
      at = PCAP_HEADER_BYTES
    }
    while (this.#pending.length - at >= RECORD_HEADER_BYTES) {
      const head = this.#pending.subarray(at, at + RECORD_HEADER_BYTES)
      const size = RECORD_HEADER_BYTES + this.#u32(head, 8)
      if (this.#pending.length - at < size) {
        break
      }
      if (this.state.bytes + size > this.#maxBytes) {
        this.state.truncated = true
        this.#pending = Buffer.alloc(0)
        return out
      }
      if (this.state.packets === 0) {
        const frac = this.#u32(head, 4)
        this.state.firstPacketMs = this.#u32(head, 0) * 1000 + frac / (this.#nanos ? 1e6 : 1e3)
      }
      out.push(this.#pending.subarray(at, at + size))
      this.state.bytes += size
      this.state.packets++
      at += size
    }
    // A copy, so the written views do not pin the whole chunk behind a few trailing bytes.
    this.#pending = Buffer.from(this.#pending.subarray(at))
    return out
  }

  #readMagic(buf: Buffer): void {
    const le = buf.readUInt32LE(0)
    const be = buf.readUInt32BE(0)
    if (le === 0xa1b2c3d4 || le === 0xa1b23c4d) {
      this.#little = true
      this.#nanos = le === 0xa1b23c4d
    } else if (be === 0xa1b2c3d4 || be === 0xa1b23c4d) {
      this.#little = false
      this.#nanos = be === 0xa1b23c4d
    } else {
      throw new Error(`not a pcap stream (magic 0x${le.toString(16)})`)
    }
  }

  #u32(buf: Buffer, offset: number): number {
    return this.#little ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset)
  }
}
