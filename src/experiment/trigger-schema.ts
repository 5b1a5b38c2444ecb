/**
 * `spec.triggers`: events that make the Chaos Center run the experiment (issue 16): a signed
 * webhook, an Argo CD notification, a Flux alert, a GitHub `deployment_status`, or (through an
 * in-cluster agent) a change of an annotated workload's pod template. Conditions on the event
 * (Litmus's EventTrackerPolicy) filter them; a burst runs the experiment once per debounce
 * window. `ordeal run` ignores them.
 * @module
 */
import { z } from 'zod'
import { NAME_PATTERN } from '../shared/names.js'
import { duration, strictObject } from './schema-parts.js'

export const TRIGGER_SOURCES = ['webhook', 'argocd', 'flux', 'github', 'kubernetes'] as const
export const CONDITION_OPERATORS = [
  'EqualTo',
  'NotEqualTo',
  'LessThan',
  'GreaterThan',
  'LessThanEqualTo',
  'GreaterThanEqualTo',
  'Change',
  'Matches',
] as const
export const DEFAULT_DEBOUNCE = '30s'

export const triggerConditionSchema = strictObject({
  key: z
    .string()
    .min(1)
    .meta({
      description:
        "A dotted path into the event's fields (the normalised ones, e.g. `app`, `revision`, `image`, `status`, or `payload.` plus a path into the raw body).",
      examples: ['app', 'payload.application.spec.destination.namespace'],
    }),
  operator: z
    .enum(CONDITION_OPERATORS, { error: `must be one of ${CONDITION_OPERATORS.join(', ')}` })
    .describe(
      'How the field compares with `value` (numbers compare as numbers); Change: the field differs from its value in the previous event of this trigger; Matches: a glob over the whole value (`*` any run of characters, `?` one character, anything else itself; not a regular expression).'
    ),
  value: z.string().optional().describe('What the field is compared with (not for Change).'),
})

export const triggerSchema = strictObject({
  name: z
    .string({ error: 'must be a name' })
    .regex(NAME_PATTERN, { error: 'must be lowercase letters, digits and dashes' })
    .describe("The trigger's name, unique within the experiment."),
  on: z
    .enum(TRIGGER_SOURCES, { error: `must be one of ${TRIGGER_SOURCES.join(', ')}` })
    .describe(
      'What fires it: a signed webhook, an Argo CD notification, a Flux alert, a GitHub deployment_status (each through a hook of that kind), or kubernetes: a workload annotated ordeal.dev/experiment=NAME whose pod template changed, seen by an in-cluster agent.'
    ),
  hook: z
    .string()
    .optional()
    .describe(
      'The hook (POST /api/hooks/:id) whose deliveries fire it; required except for kubernetes.'
    ),
  app: z
    .string()
    .optional()
    .describe(
      'Only events about this application: the Argo CD app, the Flux object, the GitHub environment, the Kubernetes workload (`deployment/orders` in any namespace, `shop/deployment/orders` in namespace shop only).'
    ),
  conditions: z
    .array(triggerConditionSchema)
    .optional()
    .describe('Every condition (conditionType and) or any (or) must hold on the event.'),
  conditionType: z
    .enum(['and', 'or'], { error: "must be 'and' or 'or'" })
    .optional()
    .meta({ description: 'How the conditions combine.', default: 'and' }),
  debounce: duration().optional().meta({
    description:
      'Events arriving within this window of the first run the experiment once, at the end of the window.',
    default: DEFAULT_DEBOUNCE,
  }),
  agent: z
    .string()
    .optional()
    .describe(
      'Run on this registered agent (kubernetes: and take changes seen by this agent only; default the agent that saw the change; others: default the server).'
    ),
  labels: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Run on any connected agent carrying every one of these labels (kubernetes: and take changes seen by such agents only).'
    ),
})

export type TriggerInput = z.input<typeof triggerSchema>
export type TriggerConditionInput = z.input<typeof triggerConditionSchema>
