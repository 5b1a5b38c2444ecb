/**
 * Building blocks shared by the experiment schema and every driver's params schema, so
 * messages read the same everywhere ("must be a duration like 30s", did-you-mean hints).
 * @module
 */
import { z } from 'zod'
import { DURATION_PATTERN } from '../shared/duration.js'
import { parseTiming, TIMING_PATTERN, type TimingLimits } from '../shared/timing-range.js'
import { didYouMean } from './did-you-mean.js'
import { LOGICAL_AGENT_PATTERN } from '../shared/logical-agent.js'

/** A Go-style duration string such as `30s`, `500ms` or `1m30s`. */
export const duration = () =>
  z.string({ error: 'must be a duration like 30s' }).regex(new RegExp(DURATION_PATTERN), {
    error: 'must be a duration like 30s',
  })

/**
 * A fault's `after` or `interval`: a duration (`5s`), a range drawn uniformly per injection or
 * repeat (`5s..15s`), or a duration with jitter (`10s±2s`, `10s+-2s`): shared/timing-range.ts.
 * At most 24h; `positive` for a repeat's interval. The draws come from the run's seed.
 */
export const timing = (limits: TimingLimits = {}) =>
  z
    .string({ error: 'must be a duration like 5s, a range like 5s..15s, or a jitter like 10s±2s' })
    .superRefine((text, ctx) => {
      const parsed = parseTiming(text, limits)
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.message })
      }
    })
    // Editors complete and flag from the pattern; the messages above say what is wrong.
    .meta({ pattern: TIMING_PATTERN })

/** `agent: a`: a logical host of spec.system.agents (checked against them by agent-semantics.ts). */
export const logicalAgent = () =>
  z.string({ error: 'must be a logical agent name' }).regex(LOGICAL_AGENT_PATTERN, {
    error: 'must be a logical agent name: lowercase letters, digits and dashes (at most 63)',
  })

/** A byte size such as `256Mi`, `1G`, `512KiB` or a plain number of bytes. */
export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*(B|K|KB|Ki|KiB|M|MB|Mi|MiB|G|GB|Gi|GiB)?$'
export const size = () =>
  z.union([z.number().int().nonnegative(), z.string().regex(new RegExp(SIZE_PATTERN, 'i'))], {
    error: 'must be a size like 256Mi or 1G',
  })

/** A strict object: unknown keys are errors, with a did-you-mean when one is close. */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape)
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map(
            (key) =>
              `unknown field '${key}'${didYouMean(key, known) || wrongTargetKind(key, known, issue.input)}`
          )
          .join('; ')
      }
      if (issue.code === 'invalid_type') {
        return issue.input === undefined ? 'is required' : `must be an object`
      }
      return undefined
    },
  })
}

/**
 * A fault given the other kind of target: a process target (`target:`) on a fault that acts on
 * hosts, proxies or the machine, or a `host:` on a process fault. Says what the fault acts on,
 * and for the first what to use to reach a process you run, instead of a bare unknown field.
 */
function wrongTargetKind(key: string, known: string[], input: unknown): string {
  const type = (input as { type?: unknown } | undefined)?.type
  // Faults only: every fault schema spreads faultTiming (`after`, `duration`); probes do not.
  const fault = ['type', 'after', 'duration'].every((k) => known.includes(k))
  if (typeof type !== 'string' || !fault) {
    return ''
  }
  if (key === 'target' && !known.includes('target')) {
    // Kubernetes faults: pods, nodes or a workload, through the cluster's API.
    if (known.includes('pods')) {
      return ` (${type} acts on pods: pods: { workload: deployment/NAME } or pods: { labels: { app: NAME } })`
    }
    if (known.includes('nodes')) {
      return ` (${type} acts on nodes: nodes: { name: NODE } or nodes: { labels: { KEY: VALUE } })`
    }
    if (known.includes('workload')) {
      return ` (${type} acts on a workload: workload: deployment/NAME)`
    }
    const hosts = known.includes('host') || known.includes('between')
    const on = known.includes('host')
      ? 'a host of spec.system.hosts, named by host:'
      : known.includes('between')
        ? 'groups of spec.system.hosts, named by between:'
        : known.includes('proxy')
          ? 'a proxy of spec.system.proxies, named by proxy:'
          : known.includes('names') && known.includes('hosts')
            ? "the name lookups of spec.system.hosts (the run's resolver), named by hosts: and names:"
            : 'the whole machine, not one process'
    const proxy = hosts
      ? '; for a service or attached process, put a proxy in front of it in spec.system.proxies and use proxy-toxic or http-fault'
      : ''
    return ` (${type} acts on ${on}${proxy})`
  }
  if (
    (key === 'host' ||
      key === 'proxy' ||
      key === 'pods' ||
      key === 'nodes' ||
      key === 'workload') &&
    known.includes('target')
  ) {
    return ` (${type} acts on processes: target: { service: NAME } or target: { attach: NAME })`
  }
  return ''
}

/** Litmus comparator: int and float use numeric criteria, string uses text criteria. */
export const NUMERIC_CRITERIA = ['>=', '<=', '>', '<', '==', '!=', 'oneOf', 'between'] as const
export const STRING_CRITERIA = [
  'equal',
  'notEqual',
  'contains',
  'matches',
  'notMatches',
  'oneOf',
] as const
export const comparator = () =>
  strictObject({
    type: z
      .enum(['int', 'float', 'string'], { error: "must be one of 'int', 'float', 'string'" })
      .describe('How the observed value is compared: as a whole number, a decimal or text.'),
    criteria: z.string({ error: 'must be a comparator criteria such as >=, ==, contains' }).meta({
      description: `For int and float: ${NUMERIC_CRITERIA.join(', ')}. For string: ${STRING_CRITERIA.join(', ')} (Litmus' capitalised spellings are accepted too).`,
      examples: ['>=', 'contains'],
    }),
    value: z
      .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))], {
        error: 'must be a value, or a list for oneOf/between',
      })
      .meta({
        description:
          'What the observed value is compared with; a list for oneOf, [low, high] for between.',
        examples: [200, 'ok', [1, 5]],
      }),
  })
    .describe(
      'A Litmus-style comparator: the observed value passes when `<observed> <criteria> <value>` holds.'
    )
    .superRefine((c, ctx) => {
      const allowed: readonly string[] =
        c.type === 'string'
          ? [...STRING_CRITERIA, ...STRING_CRITERIA.map((s) => s[0]!.toUpperCase() + s.slice(1))]
          : NUMERIC_CRITERIA
      if (!allowed.includes(c.criteria)) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria'],
          message: `must be one of ${(c.type === 'string' ? STRING_CRITERIA : NUMERIC_CRITERIA).join(', ')} for type ${c.type}`,
        })
      }
      const wantsList = c.criteria === 'oneOf' || c.criteria === 'between'
      if (wantsList !== Array.isArray(c.value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: wantsList ? `must be a list for ${c.criteria}` : 'must be a single value',
        })
      }
      if (c.criteria === 'between' && Array.isArray(c.value) && c.value.length !== 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'must be [low, high] for between',
        })
      }
    })
export type ComparatorInput = z.input<ReturnType<typeof comparator>>

/** Litmus/Chaos Mesh selection modes for picking targets among matches. */
export const SELECTION_MODES = [
  'one',
  'all',
  'fixed',
  'fixed-percent',
  'random-max-percent',
] as const

/**
 * The selection fields every target selector shares (processes, pods, nodes): the mode, its
 * value and the blast-radius caps, with one set of rules and messages; only the words differ.
 */
export function selectionFields(text: { mode: string; maxTargets: string; maxPercent: string }) {
  return {
    mode: z
      .enum(SELECTION_MODES, { error: `must be one of ${SELECTION_MODES.join(', ')}` })
      .optional()
      .meta({ description: text.mode, default: 'one' }),
    value: z
      .number({ error: 'must be a number' })
      .positive({ error: 'must be positive' })
      .optional()
      .describe(
        'The count for mode fixed, the percentage (1-100) for fixed-percent and random-max-percent.'
      ),
    // A cap, not a request: the mode picks, the cap clamps (select-caps.ts).
    maxTargets: z
      .number({ error: 'must be a whole number of at least 1' })
      .int({ error: 'must be a whole number of at least 1' })
      .min(1, { error: 'must be a whole number of at least 1' })
      .optional()
      .describe(text.maxTargets),
    // Rounded down because a cap must hold: 50% of 3 replicas allows 1, not 2.
    maxPercent: z
      .number({ error: 'must be a percentage (1-100)' })
      .min(1, { error: 'must be a percentage (1-100)' })
      .max(100, { error: 'must be a percentage (1-100)' })
      .optional()
      .describe(text.maxPercent),
  }
}

/** A selection mode's `value`: required by the counted modes, a percentage for the percent ones. */
export function refineSelection(
  t: { mode?: string | undefined; value?: number | undefined },
  ctx: z.RefinementCtx
): void {
  const needsValue =
    t.mode === 'fixed' || t.mode === 'fixed-percent' || t.mode === 'random-max-percent'
  if (needsValue && t.value === undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for mode ${t.mode}` })
  }
  if ((t.mode === 'fixed-percent' || t.mode === 'random-max-percent') && (t.value ?? 0) > 100) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a percentage (1-100)' })
  }
}

/** Which processes a fault acts on: replicas of a launched service, or a declared attach entry. */
export const targetSelector = () =>
  strictObject({
    service: z
      .string()
      .optional()
      .describe(
        "The replicas of this `spec.system.services` entry (one of 'service' or 'attach')."
      ),
    attach: z
      .string()
      .optional()
      .describe(
        "The processes of this `spec.system.attach` entry, which ordeal did not start (one of 'service' or 'attach')."
      ),
    ...selectionFields({
      mode: 'Which of the candidate processes are hit: one at random, all, a fixed number (`value`), a fixed percentage (rounded up, so any percentage picks one), or a random number up to a percentage.',
      maxTargets:
        'Blast-radius cap: never more than this many targets. An attach `match` that finds more is clamped to it; a mode the manifest shows picks more (mode all on 3 replicas, maxTargets 2) is an error.',
      maxPercent:
        'Blast-radius cap: never more than this percentage of the candidates, rounded down (50% of 3 replicas allows 1); when that allows none the fault fails.',
    }),
  })
    .describe('Which processes the fault acts on.')
    .superRefine((t, ctx) => {
      if ((t.service === undefined) === (t.attach === undefined)) {
        ctx.addIssue({ code: 'custom', message: "needs exactly one of 'service' or 'attach'" })
      }
      refineSelection(t, ctx)
    })
export type TargetSelectorInput = z.input<ReturnType<typeof targetSelector>>

/**
 * Fields every fault carries: when it starts within its step, how long it lasts, and (multi-host)
 * which logical agent carries it out.
 */
export const faultTiming = {
  after: timing()
    .optional()
    .meta({
      description:
        "Wait this long after the step starts before injecting: a duration, or a range `5s..15s` (or `10s±2s`) drawn uniformly from the run's seed each time the fault is injected (printed at the start; `ordeal run --seed N` draws the same again). At most 24h.",
      default: '0s',
      examples: ['5s', '5s..15s'],
    }),
  duration: duration().meta({
    description:
      'How long the fault holds before ordeal undoes it (more than 0s, at most 24h); also the deadline the watchdog enforces if the runner dies.',
    examples: ['10s', '1m30s'],
  }),
  agent: logicalAgent()
    .optional()
    .meta({
      description:
        'Multi-host: the logical agent of spec.system.agents that carries the fault out (default: the agent of its target service; a partition of `agent:` groups is carried out by every agent it names).',
      examples: ['a'],
    }),
}
