/** `--dry-run` lines for `spec.capture`: what would record where, and what the cap keeps. */
import { formatSize } from '../faults/size.js'
import type { CaptureSpec } from './contract.js'

export function describeCapture(spec: CaptureSpec, dir: string): string[] {
  const filter =
    spec.filter === undefined ? 'every packet' : `filter ${JSON.stringify(spec.filter)}`
  return spec.hosts.map(
    (host) =>
      `capture host ${host}: tcpdump -i any in namespace ord-<id>-${host} (${filter}, snaplen ${spec.snaplen}) from system ready to the end of the steps → ${dir}/${host}.pcap (--report DIR: DIR/capture/), at most ${formatSize(spec.maxBytes)}: past it the start is kept`
  )
}
