import { z } from 'zod'
import { comparator, strictObject } from '../../experiment/schema-parts.js'
import { DNS_SUBDOMAIN_PATTERN, namespaceName } from '../../experiment/kubernetes-schema.js'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

/** `v1`, `v2beta1`: the group and version go into the request path, so nothing else passes. */
export const API_VERSION_PATTERN = '^v\\d+((alpha|beta)\\d+)?$'

const resourceSchema = strictObject({
  group: z
    .string({ error: 'must be an API group' })
    .regex(new RegExp(`^$|${DNS_SUBDOMAIN_PATTERN}`), {
      error:
        'must be an API group (a DNS subdomain like apps or networking.k8s.io), or empty for the core group',
    })
    .optional()
    .meta({
      description: 'The API group; empty or absent for the core group.',
      examples: ['apps'],
    }),
  version: z
    .string({ error: 'must be an API version' })
    .regex(new RegExp(API_VERSION_PATTERN), {
      error: 'must be an API version like v1 or v2beta1',
    })
    .meta({ description: 'The API version.', examples: ['v1'] }),
  resource: z
    .string({ error: 'must be a resource (plural, lowercase)' })
    .regex(/^[a-z][a-z0-9]*$/, {
      error: 'must be a resource (plural, lowercase), like deployments',
    })
    // A probe's values go to the journal and the run page, which every viewer reads.
    .refine((r) => r !== 'secrets', {
      error: 'ordeal never reads Secrets: their values would land in the journal',
    })
    .meta({ description: 'The resource, plural and lowercase.', examples: ['deployments'] }),
  namespace: namespaceName()
    .optional()
    .describe(
      'The namespace of a namespaced resource (default: spec.system.kubernetes.namespace).'
    ),
  name: z
    .string({ error: 'must be an object name' })
    .min(1)
    .optional()
    .describe('One object by name (get); without it the probe lists.'),
  labelSelector: z
    .string({ error: 'must be a label selector' })
    .min(1)
    .optional()
    .meta({ description: 'List only objects with these labels.', examples: ['app=orders'] }),
  fieldSelector: z
    .string({ error: 'must be a field selector' })
    .min(1)
    .optional()
    .meta({
      description: 'List only objects whose fields match.',
      examples: ['status.phase=Running'],
    }),
}).describe('What to get or list, like Litmus k8sProbe (group, version, resource).')

export const k8sProbeSchema = probeSchema(
  'k8s',
  {
    resource: resourceSchema,
    operation: z
      .enum(['present', 'absent', 'compare'], { error: 'must be one of present, absent, compare' })
      .meta({
        description:
          'present: the object (or at least one listed object) exists; absent: none does; compare: `jsonPath` of every object found passes `comparator` or equals `equalsJsonPath` of the same object (and at least one object is found).',
        examples: ['compare'],
      }),
    jsonPath: z
      .string({ error: 'must be a JSONPath' })
      .min(1)
      .optional()
      .meta({
        description:
          'For compare: the value to check, as a kubectl JSONPath (`{.status.availableReplicas}`) or a dotted path (`status.availableReplicas`).',
        examples: ['status.availableReplicas'],
      }),
    comparator: comparator()
      .optional()
      .describe('For compare: the Litmus comparator applied to the value at `jsonPath`.'),
    equalsJsonPath: z
      .string({ error: 'must be a JSONPath' })
      .min(1)
      .optional()
      .meta({
        description:
          'For compare: the value at `jsonPath` must equal the value at this path of the same object.',
        examples: ['spec.replicas'],
      }),
  },
  'gets or lists a Kubernetes resource and checks it is present, absent, or that a JSONPath of it compares as expected (Litmus k8sProbe).'
).superRefine((p, ctx) => {
  if (p.operation === 'compare') {
    if (p.jsonPath === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['jsonPath'],
        message: 'is required for operation compare',
      })
    }
    if ((p.comparator === undefined) === (p.equalsJsonPath === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['comparator'],
        message: "operation compare needs exactly one of 'comparator' or 'equalsJsonPath'",
      })
    }
  } else if (
    p.jsonPath !== undefined ||
    p.comparator !== undefined ||
    p.equalsJsonPath !== undefined
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['operation'],
      message: `jsonPath, comparator and equalsJsonPath go with operation compare, not ${p.operation}`,
    })
  }
})
export type K8sProbeParams = z.output<typeof k8sProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const k8sProbeExample: Example<z.input<typeof k8sProbeSchema>> = {
  system: { kubernetes: { namespace: 'shop' } },
  value: {
    name: 'orders-available',
    type: 'k8s',
    mode: 'EOT',
    resource: { group: 'apps', version: 'v1', resource: 'deployments', name: 'orders' },
    operation: 'compare',
    jsonPath: 'status.availableReplicas',
    equalsJsonPath: 'spec.replicas',
  },
}
