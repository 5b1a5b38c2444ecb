/**
 * Which declared triggers an event reaches before conditions: the same source, the same hook
 * (kubernetes: the experiment the workload's annotation names, reported by an agent the
 * trigger accepts), and the same `app` when the trigger gives one. Pure.
 *
 * A kubernetes event comes from whoever can annotate a workload in any cluster an agent
 * watches: a trigger that names an agent (or labels) is where its runs belong, so it takes
 * events only from that agent (or from agents carrying those labels), never from another
 * cluster's (DESIGN: an agent receives only its own work).
 * @module
 */
import type { TriggerEvent } from './contract.js'
import type { DeclaredTrigger } from './declared.js'

export function reaches(trigger: DeclaredTrigger, event: TriggerEvent): boolean {
  if (trigger.on !== event.source) {
    return false
  }
  if (event.source === 'kubernetes') {
    if (event.experiment !== trigger.experimentName || !fromAcceptedAgent(trigger, event)) {
      return false
    }
  } else if (trigger.hook !== event.hook) {
    return false
  }
  return trigger.app === undefined || appMatches(trigger.app, event)
}

function fromAcceptedAgent(trigger: DeclaredTrigger, event: TriggerEvent): boolean {
  const placement = trigger.placement
  if (placement === undefined) {
    return event.agent !== undefined
  }
  if ('agent' in placement) {
    return event.agent === placement.agent
  }
  const labels = event.agentLabels ?? {}
  return Object.entries(placement.labels).every(([key, value]) => labels[key] === value)
}

/**
 * `deployment/orders` is that workload in any namespace; `shop/deployment/orders` only the one
 * in namespace `shop` (kubernetes and flux events carry their namespace).
 */
function appMatches(app: string, event: TriggerEvent): boolean {
  if (app === event.app) {
    return true
  }
  const namespace = event.fields['namespace']
  return (
    event.app !== undefined &&
    typeof namespace === 'string' &&
    app.split('/').length === 3 &&
    app === `${namespace}/${event.app}`
  )
}

/** The keys a trigger's Change conditions compare with its previous event. */
export const changeKeys = (trigger: DeclaredTrigger): string[] => [
  ...new Set(trigger.conditions.filter((c) => c.operator === 'Change').map((c) => c.key)),
]

/**
 * The debounce window an event joins: one per trigger, and one per (trigger, reporting agent)
 * for a kubernetes trigger without placement, whose run goes to the agent that saw the change
 * (one window must not mix two clusters' events and run only on the last one's agent).
 */
export const windowAgent = (trigger: DeclaredTrigger, event: TriggerEvent): string | undefined =>
  trigger.on === 'kubernetes' && trigger.placement === undefined ? event.agent : undefined
