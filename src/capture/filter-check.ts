/**
 * A capture filter tcpdump rejects is bad input, not a run error: compile it once at load
 * (`tcpdump -d`, which prints the BPF program and captures nothing) so that `ordeal validate`
 * and `ordeal run` exit 2 naming the field, before any host or service exists.
 *
 * `-r -` reads the link type from a pcap header on stdin instead of opening an interface, so
 * the check needs no privilege and touches no network. Without tcpdump on the machine the
 * check is skipped: the run's own start says tcpdump is missing.
 * @module
 */
import { spawnSync } from 'node:child_process'

/** A pcap file header (little-endian, version 2.4, snaplen 65535, link type 1 = Ethernet). */
function pcapHeader(): Buffer {
  const header = Buffer.alloc(24)
  header.writeUInt32LE(0xa1b2c3d4, 0)
  header.writeUInt16LE(2, 4)
  header.writeUInt16LE(4, 6)
  header.writeUInt32LE(65535, 16)
  header.writeUInt32LE(1, 20)
  return header
}

/** tcpdump's reason when it cannot compile `filter`; undefined when it can (or is absent). */
export function captureFilterProblem(filter: string): string | undefined {
  const result = spawnSync('tcpdump', ['-d', '-r', '-', '--', filter], {
    input: pcapHeader(),
    encoding: 'utf8',
    // Compiling a filter takes milliseconds; the Chaos Center's server waits on this call.
    timeout: 2_000,
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
  })
  if (result.error !== undefined || result.status === 0) {
    return undefined
  }
  const reason = result.stderr
    .split('\n')
    .map((line) => line.replace(/^tcpdump: /, '').trim())
    .find((line) => line !== '' && !line.startsWith('reading from file'))
  return `tcpdump cannot compile this filter: ${reason ?? `exit ${result.status}`}`
}
