import { z } from 'zod'
import { faultTiming, strictObject } from '../../experiment/schema-parts.js'
import { didYouMean } from '../../experiment/did-you-mean.js'
import type { Example } from '../../experiment/example.js'
import { THREE_HOSTS } from '../example-systems.js'

const DNS_FAULT =
  "dns-fault: the run's resolver answers matching names with NXDOMAIN, SERVFAIL, a wrong address or nothing, for lookups of services on spec.system.hosts (needs root)."

export const DNS_ANSWERS = ['nxdomain', 'servfail', 'timeout', 'address'] as const

/** Dotted-quad IPv4 (no node:net here: the UI bundles this schema). */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** A name pattern: DNS name characters and `*` (any run of characters, dots included). */
const NAME_GLOB = /^[A-Za-z0-9*_-]+(\.[A-Za-z0-9*_-]+)*\.?$/

export const dnsFaultSchema = strictObject({
  type: z.literal('dns-fault').describe(DNS_FAULT),
  hosts: z
    .array(z.string({ error: 'must be a host name' }), { error: 'must be a list of host names' })
    .min(1, { error: 'must name at least one host (or leave it out for all)' })
    .optional()
    .meta({
      description:
        'The `spec.system.hosts` whose lookups are faulted (the asking side); default: every host.',
      examples: [['n1']],
    }),
  names: z
    .array(
      z.string({ error: 'must be a name pattern' }).regex(NAME_GLOB, {
        error: 'must be a DNS name pattern like db.* or * (letters, digits, -, _, . and *)',
      }),
      { error: 'must be a list of name patterns, like [db, "*.shop"]' }
    )
    .min(1, { error: 'must list at least one name pattern' })
    .meta({
      description:
        'Names whose lookups are faulted, case-insensitive; `*` matches any characters, dots included (`db.*`, `*`).',
      examples: [['db', '*.internal']],
    }),
  answer: z
    .enum(DNS_ANSWERS, {
      error: (issue) =>
        `must be one of ${DNS_ANSWERS.join(', ')}${issue.input === undefined ? '' : didYouMean(String(issue.input), DNS_ANSWERS)}`,
    })
    .meta({
      description:
        'nxdomain: the name does not exist. servfail: the resolver failed. timeout: no answer at all. address: the wrong address given in `address`.',
      examples: ['nxdomain'],
    }),
  address: z
    .string({ error: 'must be an IPv4 address like 198.18.9.9' })
    .regex(IPV4, { error: 'must be an IPv4 address like 198.18.9.9' })
    .optional()
    .meta({
      description: 'With `answer: address`: the (wrong) IPv4 address every matching A lookup gets.',
      examples: ['198.18.255.1'],
    }),
  probability: z
    .number({ error: 'must be a number above 0 and at most 1' })
    .gt(0, { error: 'must be above 0 and at most 1' })
    .max(1, { error: 'must be above 0 and at most 1' })
    .optional()
    .meta({
      description: 'Chance each matching query is faulted, drawn per query.',
      default: 1,
      examples: [0.3],
    }),
  ...faultTiming,
})
  .describe(DNS_FAULT)
  .superRefine((f, ctx) => {
    if (f.answer === 'address' && f.address === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: "is required with answer 'address'",
      })
    }
    if (f.answer !== 'address' && f.address !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: `is only used with answer 'address' (answer is '${f.answer}')`,
      })
    }
  })
export type DnsFaultParams = z.output<typeof dnsFaultSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const dnsFaultExample: Example<z.input<typeof dnsFaultSchema>> = {
  system: THREE_HOSTS,
  value: { type: 'dns-fault', hosts: ['n1'], names: ['n2'], answer: 'nxdomain', duration: '30s' },
}
