/**
 * What the schema cannot see about `spec.capture`: the hosts it names exist, there are hosts
 * at all (services on loopback share ordeal's own namespace, whose traffic is not the run's
 * alone, so there is nothing to record per host), a cap that holds at least the file header.
 * @module
 */
import type { ExperimentInput } from '../experiment/schema.js'
import type { SemanticIssue } from '../experiment/semantics.js'
import { didYouMean } from '../experiment/did-you-mean.js'
import { parseSize } from '../faults/size.js'
import { MIN_CAPTURE_BYTES } from './schema.js'

export function captureIssues(input: ExperimentInput): SemanticIssue[] {
  const capture = input.spec.capture
  if (capture === undefined) {
    return []
  }
  const at = ['spec', 'capture']
  const hosts = (input.spec.system?.hosts ?? []).map((h) => h.name)
  const issues: SemanticIssue[] = []
  if (hosts.length === 0) {
    issues.push({
      path: at,
      message:
        'capture records the traffic of spec.system.hosts (network namespaces); this run has none, so there is nothing of its own to record',
    })
  }
  if ((input.spec.system?.agents?.length ?? 0) > 0) {
    issues.push({
      path: at,
      message: 'capture is not available on multi-host runs (spec.system.agents) yet',
    })
  }
  capture.hosts?.forEach((host, i) => {
    if (hosts.length > 0 && !hosts.includes(host)) {
      issues.push({
        path: [...at, 'hosts', i],
        message: `no host named '${host}' in spec.system.hosts${didYouMean(host, hosts)}`,
      })
    }
  })
  if (capture.maxSize !== undefined) {
    let bytes: number | undefined
    try {
      bytes = parseSize(capture.maxSize)
    } catch {
      bytes = undefined // the schema already named it
    }
    if (bytes !== undefined && bytes < MIN_CAPTURE_BYTES) {
      issues.push({
        path: [...at, 'maxSize'],
        message: `must be at least ${MIN_CAPTURE_BYTES} bytes (1Ki)`,
      })
    }
  }
  return issues
}
