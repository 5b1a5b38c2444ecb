/**
 * How a run's pcap files and its fault windows read side by side (terminal, HTML report, UI):
 * each window as wall-clock times and as seconds from the capture's origin, the first packet in
 * the file (Wireshark's "seconds since beginning of capture", View → Time Display Format), or
 * when tcpdump started listening if no packet was kept. No Node APIs: the UI bundles this.
 * @module
 */
import { formatSize } from '../faults/size.js'
import type { CaptureResult, FaultResult } from './result.js'

export interface CaptureWindow {
  fault: string
  /** ISO wall-clock times, as the journal has them. */
  injectedAt: string
  revertedAt?: string
  /** Seconds from the capture's origin (may be negative: injected before the first packet). */
  fromS: number
  toS?: number
}

/** Where offsets in this file count from (ms since the epoch). */
export function captureOrigin(capture: CaptureResult): number {
  return Date.parse(capture.firstPacketAt ?? capture.startedAt)
}

/** Every injected fault's window, relative to this capture's origin. */
export function captureWindows(
  capture: CaptureResult,
  faults: readonly FaultResult[]
): CaptureWindow[] {
  const origin = captureOrigin(capture)
  const seconds = (iso: string) => (Date.parse(iso) - origin) / 1000
  return faults.flatMap((f) =>
    f.injectedAt === undefined
      ? []
      : [
          {
            fault: f.name,
            injectedAt: f.injectedAt,
            fromS: seconds(f.injectedAt),
            ...(f.revertedAt === undefined
              ? {}
              : { revertedAt: f.revertedAt, toS: seconds(f.revertedAt) }),
          },
        ]
  )
}

/** `client  /runs/x/capture/client.pcap  12.0 KiB, 80 packets` (+ `truncated at the cap`). */
export function captureSummary(capture: CaptureResult): string {
  const packets = capture.packets === undefined ? '' : `, ${capture.packets} packets`
  const cut = capture.truncated ? ', cap reached: the file keeps the start' : ''
  return `${formatSize(capture.bytes)}${packets}${cut}`
}

/** `12.345 s` from the origin; three decimals, as Wireshark shows relative times. */
export function formatCaptureSeconds(s: number): string {
  return `${s.toFixed(3)} s`
}

/** `network-partition  20:01:02.345Z → 20:01:05.350Z  (12.345 s → 15.350 s)` */
export function captureWindowText(w: CaptureWindow): string {
  const time = (iso: string) => iso.slice(11)
  const to = w.revertedAt === undefined ? 'not reverted' : time(w.revertedAt)
  const toS = w.toS === undefined ? '…' : formatCaptureSeconds(w.toS)
  return `${w.fault}  ${time(w.injectedAt)} → ${to}  (${formatCaptureSeconds(w.fromS)} → ${toS} in the file)`
}
