/**
 * `spec.monitors`: the declarative form of a monitor. States with `when` conditions in the probe
 * comparator grammar over what is observed, `within` timeouts and a `timeout` rule per state.
 * References (states, probes, event types) are checked by semantics.ts, with did-you-mean.
 * @module
 */
import { z } from 'zod'
import { comparator, duration, strictObject } from '../experiment/schema-parts.js'

const kStateName = /^[A-Za-z0-9][\w.-]*$/
const stateName = () =>
  z.string({ error: 'must be a state name' }).regex(kStateName, {
    error: 'must be a state name of letters, digits, dot, dash or underscore',
  })

export const monitorWhenSchema = strictObject({
  on: z
    .string({ error: 'must be a probe name or an event type' })
    .optional()
    .meta({
      description:
        'What this condition is about: a probe (by name) or a journal event type. Default: anything the monitor observes.',
      examples: ['api-up', 'fault.injected'],
    }),
  passed: z
    .boolean({ error: 'must be true or false' })
    .optional()
    .describe("A probe's result: true when it passed, false when it failed."),
  field: z
    .string({ error: 'must be a field name' })
    .optional()
    .meta({
      description:
        "What the comparator reads: a probe's `value` (default) or `message`; an event's field (`faultType`, `service`, ...).",
      examples: ['value', 'faultType'],
    }),
  comparator: comparator()
    .optional()
    .describe('Holds when the observed field meets it (the probes’ comparator grammar).'),
  goto: stateName()
    .optional()
    .meta({ description: 'The state the monitor goes to.', examples: ['down'] }),
  within: duration()
    .optional()
    .meta({
      description:
        "With `goto`: the new state's timeout; when no condition leaves it within this time, its `timeout` rule fires.",
      examples: ['5s'],
    }),
  accept: z
    .union([z.literal(true), z.string().min(1)], { error: 'must be true or a reason' })
    .optional()
    .describe('The monitor holds (stops, accepted), with an optional reason.'),
  fail: z
    .string({ error: 'must be the reason of the failure' })
    .min(1)
    .optional()
    .meta({
      description: 'The monitor fails (stops), and so does the run, with this reason.',
      examples: ['the API answered while it was killed'],
    }),
})
  .describe(
    "A transition: when the observation meets every condition given ('on', 'passed', 'comparator'), the monitor does exactly one of 'goto', 'accept' or 'fail'. The first matching condition of the state wins."
  )
  .superRefine((w, ctx) => {
    const actions = (['goto', 'accept', 'fail'] as const).filter((k) => w[k] !== undefined)
    if (actions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          actions.length === 0
            ? "needs one of 'goto', 'accept' or 'fail'"
            : `has both '${actions[0]}' and '${actions[1]}'; a condition does one thing`,
      })
    }
    if (w.within !== undefined && w.goto === undefined) {
      ctx.addIssue({ code: 'custom', path: ['within'], message: "goes with 'goto' only" })
    }
    if (w.field !== undefined && w.comparator === undefined) {
      ctx.addIssue({ code: 'custom', path: ['field'], message: "goes with 'comparator' only" })
    }
  })

export const monitorStateSchema = strictObject({
  when: z
    .array(monitorWhenSchema, { error: 'must be a list of conditions' })
    .optional()
    .describe('Conditions tried in order on each observation; none matching keeps the state.'),
  within: duration()
    .optional()
    .meta({
      description:
        "The state's timeout when it is entered by a `goto` without `within`, or as the initial state.",
      examples: ['30s'],
    }),
  timeout: z
    .string({ error: "must be 'accept', 'fail' or a state" })
    .optional()
    .meta({
      description:
        "What happens when the state's timeout expires, and when the steps end in this state: accept, fail, or a state to go to. Without it an expired timeout fails the monitor.",
      examples: ['accept', 'fail', 'gave-up'],
    }),
  accepting: z.boolean({ error: 'must be true or false' }).optional().meta({
    description:
      'The steps may end in this state (without a `timeout` rule): the monitor accepts. Ending in any other such state fails.',
    default: false,
  }),
}).describe('One state of a monitor.')

export const monitorSchema = strictObject({
  name: z
    .string({ error: 'must be a monitor name' })
    .regex(kStateName, { error: 'must be a name of letters, digits, dot, dash or underscore' })
    .meta({
      description: 'Unique monitor name; shown in the journal, the result and the report.',
      examples: ['api-comes-back'],
    }),
  description: z.string().optional().describe('What the monitor checks, in words.'),
  initial: stateName().meta({ description: 'The state the monitor starts in.', examples: ['up'] }),
  observe: z
    .array(z.string({ error: 'must be a probe name or an event type' }), {
      error: 'must be a list of probe names and event types',
    })
    .optional()
    .meta({
      description:
        "Probes (by name) whose results and journal event types (`fault.injected`, `service.exited`, ...) this monitor sees, besides those its conditions name in 'on' and its 'poll' probes.",
      examples: [['api-up', 'fault.injected']],
    }),
  poll: z
    .array(
      strictObject({
        probe: z.string({ error: 'must be a probe name' }).meta({
          description:
            'A probe declared in spec.probes or a step; the monitor checks it once each `every` (one attempt, its timeout), besides the probe running in its own mode.',
          examples: ['api-up'],
        }),
        every: duration().meta({ description: 'How often.', examples: ['200ms'] }),
      }).describe('A probe the monitor polls itself, from the system ready until the steps end.'),
      { error: 'must be a list of probes to poll' }
    )
    .optional()
    .describe('Probes the monitor polls at an interval.'),
  states: z
    .record(stateName(), monitorStateSchema, { error: 'must be a map of state names to states' })
    .describe('The states, by name.'),
}).describe(
  'A monitor: a state machine over observations (probe results, journal events) from the system ready until the end of the steps. A monitor that fails fails the run with its reason; one still running when the steps end ends by its state’s rule (docs/monitors.md).'
)

export type MonitorInput = z.input<typeof monitorSchema>
export type MonitorWhenInput = z.input<typeof monitorWhenSchema>

/** `spec.monitors`, as the experiment schema takes it. */
export const monitorsSchema = z
  .array(monitorSchema, { error: 'must be a list of monitors' })
  .optional()
  .describe(
    'State machines over probe results and journal events, from the system ready to the end of the steps: a failed monitor fails the run with the transition that failed (docs/monitors.md).'
  )
