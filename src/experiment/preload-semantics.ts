/**
 * Faults that act through a preload need a target launched under it: an attached process
 * cannot be given one (ordeal did not start it), and a service must list it in `preload:`.
 * Said at validation, naming the field; the fault's own check covers the same at run time.
 * @module
 */
import type { PreloadName } from '../platforms/local/preload/contract.js'
import type { SemanticIssue } from './semantics.js'

/** Which preload each such fault needs (add a line per fault). */
export const FAULT_PRELOADS: Record<string, PreloadName> = {
  'clock-skew': 'libfaketime',
  'syscall-error': 'libfiu',
}

/**
 * Faults whose preload a process can be started under by hand (`fiu-run -x`), so an attached
 * target is left to the fault's run-time check instead of refused here.
 */
const ATTACHABLE = new Set(['syscall-error'])

interface FaultLike {
  type: string
  target?: { service?: string | undefined; attach?: string | undefined } | undefined
}

export function faultPreloadIssues(
  fault: FaultLike,
  services: readonly { name: string; preload?: readonly string[] | undefined }[],
  path: (string | number)[]
): SemanticIssue[] {
  const needed = FAULT_PRELOADS[fault.type]
  const target = fault.target
  if (needed === undefined || target === undefined) {
    return []
  }
  if (target.attach !== undefined) {
    if (ATTACHABLE.has(fault.type)) {
      return []
    }
    return [
      {
        path: [...path, 'fault', 'target', 'attach'],
        message: `${fault.type} needs a service ordeal launched with 'preload: [${needed}]' (an attached process cannot be given a preload)`,
      },
    ]
  }
  const index = services.findIndex((s) => s.name === target.service)
  const service = services[index]
  if (service === undefined || (service.preload ?? []).includes(needed)) {
    return [] // an unknown service is reported by semantics.ts
  }
  return [
    {
      path: [...path, 'fault', 'target', 'service'],
      message: `${fault.type} needs service '${service.name}' launched under ${needed}: add 'preload: [${needed}]' to spec.system.services[${index}]`,
    },
  ]
}
