/**
 * A `workload-changed` frame (an in-cluster agent saw an annotated workload get a new pod
 * template) as the trigger event the triggers service matches against `on: kubernetes`
 * triggers. The socket only checked the frame's type: the rest is checked here, and a bad
 * frame is a reason to log, never a reason to drop the agent's connection and its runs. The
 * event's agent is always the connection's (its token's name): an agent reports only for
 * itself.
 * @module
 */
import {
  WORKLOAD_WATCH_FEATURE,
  workloadChangedSchema,
  type Hello,
} from '../../platforms/agent/protocol.js'
import type { TriggerEvent } from '../triggers/contract.js'

/** The trigger event, or why the frame is dropped (one line). */
export function workloadTriggerEvent(
  agent: string,
  hello: (Pick<Hello, 'features'> & Partial<Pick<Hello, 'labels'>>) | undefined,
  frame: unknown
): TriggerEvent | { dropped: string } {
  if (!(hello?.features ?? []).includes(WORKLOAD_WATCH_FEATURE)) {
    return {
      dropped: `workload-changed from an agent that did not announce ${WORKLOAD_WATCH_FEATURE}`,
    }
  }
  const parsed = workloadChangedSchema.safeParse(frame)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.join('.') || 'frame'
    return { dropped: `invalid workload-changed frame: ${field}: ${issue?.message ?? 'invalid'}` }
  }
  const change = parsed.data
  if (change.agent !== undefined && change.agent !== agent) {
    return {
      dropped: `workload-changed for agent ${change.agent}: an agent reports only for itself`,
    }
  }
  const [image] = change.images
  const what =
    change.images.length === 0
      ? ''
      : change.images.length === 1
        ? ` (image ${image})`
        : ` (images ${change.images.join(', ')})`
  return {
    source: 'kubernetes',
    agent,
    agentLabels: hello?.labels ?? {},
    app: change.workload,
    experiment: change.experiment,
    fields: {
      namespace: change.namespace,
      workload: change.workload,
      images: change.images,
      ...(image !== undefined ? { image } : {}),
      generation: change.generation,
      observedAt: change.observedAt,
    },
    summary: `kubernetes: ${change.workload} in ${change.namespace} changed${what}`,
  }
}
