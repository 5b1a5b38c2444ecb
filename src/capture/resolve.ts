/** `spec.capture` → CaptureSpec: hosts defaulted to every host, the cap in bytes. */
import { parseSize } from '../faults/size.js'
import type { CaptureSpec } from './contract.js'
import { DEFAULT_CAPTURE_MAX_SIZE, DEFAULT_SNAPLEN, type CaptureInput } from './schema.js'

export function resolveCapture(input: CaptureInput, allHosts: readonly string[]): CaptureSpec {
  return {
    hosts: input.hosts ? [...input.hosts] : [...allHosts],
    maxBytes: parseSize(input.maxSize ?? DEFAULT_CAPTURE_MAX_SIZE),
    ...(input.filter === undefined ? {} : { filter: input.filter }),
    snaplen: input.snaplen ?? DEFAULT_SNAPLEN,
  }
}
