/**
 * `spec.capture`: pcap files per host of the run (tcpdump inside each host's network
 * namespace), from system ready to the end of the steps, capped per host. Browser-safe: the
 * UI bundles the manifest schema, so nothing here may import Node modules.
 * @module
 */
import { z } from 'zod'
import { SIZE_PATTERN, strictObject } from '../experiment/schema-parts.js'

/** The cap per host when `maxSize` is absent. */
export const DEFAULT_CAPTURE_MAX_SIZE = '50Mi'
/** The smallest cap: a pcap file header and a packet or two. */
export const MIN_CAPTURE_BYTES = 1024
/** tcpdump's own default snapshot length (whole packets). */
export const DEFAULT_SNAPLEN = 262144

export const captureSchema = strictObject({
  hosts: z
    .array(z.string({ error: 'must be a host name' }), { error: 'must be a list of host names' })
    .min(1, { error: 'needs at least one host (or leave `hosts` out for every host)' })
    .optional()
    .meta({
      description:
        'The spec.system.hosts recorded, one pcap file each (default: every host of the run).',
      examples: [['client', 'server']],
    }),
  // Not schema-parts' size(): its number branch would answer -1 with zod's own words.
  maxSize: z
    .union(
      [
        z
          .number()
          .int({ error: 'must be a whole number of bytes or a size like 10Mi' })
          .min(MIN_CAPTURE_BYTES, { error: `must be at least ${MIN_CAPTURE_BYTES} bytes (1Ki)` }),
        z
          .string()
          .regex(new RegExp(SIZE_PATTERN, 'i'), { error: 'must be a size like 10Mi or 1G' }),
      ],
      { error: 'must be a size like 10Mi or 1G' }
    )
    .optional()
    .meta({
      description:
        'The most bytes written per host. The start is kept: once the next packet would pass the cap, recording on that host stops and the capture is marked truncated.',
      default: DEFAULT_CAPTURE_MAX_SIZE,
      examples: ['10Mi'],
    }),
  filter: z
    .string({ error: 'must be a BPF filter expression' })
    .min(1, { error: 'must be a BPF filter expression' })
    .optional()
    .meta({
      description:
        'A pcap-filter(7) expression, given to tcpdump as one argument (no shell ever reads it); a filter tcpdump cannot compile is bad input (exit 2), found when the manifest loads.',
      examples: ['tcp port 8080'],
    }),
  snaplen: z
    .number({ error: 'must be a number of bytes' })
    .int({ error: 'must be a whole number of bytes' })
    .min(64, { error: 'must be at least 64 bytes (headers)' })
    .max(DEFAULT_SNAPLEN, { error: `must be at most ${DEFAULT_SNAPLEN} bytes` })
    .optional()
    .meta({
      description: 'Bytes kept of each packet (headers only: 128).',
      default: DEFAULT_SNAPLEN,
      examples: [128],
    }),
}).describe(
  'Packet capture: a pcap file per host (tcpdump in its network namespace, needs root) from system ready to the end of the steps, listed with the fault windows in the reports.'
)

export type CaptureInput = z.input<typeof captureSchema>
