/**
 * The Kubernetes parts of a manifest: `spec.system.kubernetes` (which cluster, which namespace,
 * the blast-radius guards) and the selectors Kubernetes faults take (pods, a workload, nodes).
 * Bundled into the UI with the rest of the schema: zod only, no Node APIs.
 * @module
 */
import { z } from 'zod'
import { refineSelection, selectionFields, strictObject } from './schema-parts.js'

/** Namespaces a run never touches unless `spec.system.kubernetes.allowNamespaces` names them. */
export const DEFAULT_DENIED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const

/** Pods one Kubernetes fault may touch at most, unless `maxPodsPerFault` says otherwise. */
export const DEFAULT_MAX_PODS_PER_FAULT = 10

/** A DNS-1123 label: namespaces, and the names of most objects. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
/** A DNS-1123 subdomain: Deployment, node and pod names. */
export const DNS_SUBDOMAIN_PATTERN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'

/** `deployment/NAME`, `statefulset/NAME` or `daemonset/NAME`. */
export const WORKLOAD_KINDS = ['deployment', 'statefulset', 'daemonset'] as const
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]
export const WORKLOAD_PATTERN = `^(${WORKLOAD_KINDS.join('|')})/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`

export const namespaceName = () =>
  z.string({ error: 'must be a namespace name' }).regex(new RegExp(DNS_LABEL_PATTERN), {
    error: 'must be a namespace name: lowercase letters, digits and dashes (at most 63)',
  })

export const workloadRef = (kinds: readonly WorkloadKind[] = WORKLOAD_KINDS) =>
  z
    .string({ error: `must be ${kinds.map((k) => `${k}/NAME`).join(', ')}` })
    .regex(new RegExp(`^(${kinds.join('|')})/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`), {
      error: `must be ${kinds.map((k) => `${k}/NAME`).join(', ')}`,
    })

export const kubernetesSystemSchema = strictObject({
  namespace: namespaceName().meta({
    description: 'The namespace faults and probes act in unless they name another.',
    examples: ['shop'],
  }),
  context: z
    .string({ error: 'must be a kubeconfig context name' })
    .min(1)
    .optional()
    .describe(
      "The kubeconfig context (default: the kubeconfig's current context; `ordeal run --context` overrides it)."
    ),
  kubeconfig: z
    .string({ error: 'must be a path' })
    .min(1)
    .optional()
    .describe(
      'A kubeconfig file, relative to the manifest (`ordeal run --kubeconfig` overrides it, as in kubectl; default: $KUBECONFIG, then ~/.kube/config, then the in-cluster service account).'
    ),
  allowNamespaces: z
    .array(namespaceName(), { error: 'must be a list of namespaces' })
    .optional()
    .describe(
      `Namespaces of the deny list this experiment may touch all the same (deny list: ${DEFAULT_DENIED_NAMESPACES.join(', ')} and denyNamespaces). Say it explicitly or ordeal refuses.`
    ),
  denyNamespaces: z
    .array(namespaceName(), { error: 'must be a list of namespaces' })
    .optional()
    .describe('More namespaces to refuse, beside the default deny list.'),
  maxPodsPerFault: z
    .number({ error: 'must be a whole number of at least 1' })
    .int({ error: 'must be a whole number of at least 1' })
    .min(1, { error: 'must be a whole number of at least 1' })
    .optional()
    .meta({
      description:
        'Blast-radius cap: a Kubernetes fault never touches more pods than this, whatever its selector picks.',
      default: DEFAULT_MAX_PODS_PER_FAULT,
    }),
}).describe(
  'A Kubernetes cluster whose workloads the faults and probes act on (through its API; no agent needed for pod, workload, node and NetworkPolicy faults).'
)

const selection = selectionFields({
  mode: 'Which of the matching pods are hit: one at random, all, a fixed number (`value`), a fixed percentage (rounded up), or a random number up to a percentage.',
  maxTargets: 'Blast-radius cap: never more than this many targets.',
  maxPercent: 'Blast-radius cap: never more than this percentage of the candidates, rounded down.',
})

/**
 * Pods, by namespace and at least one of: labels, a label selector expression, a field
 * selector, an owning workload. A bare namespace would select every pod in it: refused.
 */
export const podSelector = () =>
  strictObject({
    namespace: namespaceName()
      .optional()
      .describe('The namespace (default: spec.system.kubernetes.namespace).'),
    labels: z
      .record(z.string(), z.string(), { error: 'must be a map of label to value' })
      .optional()
      .meta({ description: 'Pods with all these labels.', examples: [{ app: 'orders' }] }),
    selector: z
      .string({ error: 'must be a label selector' })
      .min(1)
      .optional()
      .meta({
        description:
          'A label selector expression (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`), ANDed with `labels`.',
        examples: ['app=orders,tier in (web, api)'],
      }),
    fieldSelector: z
      .string({ error: 'must be a field selector' })
      .min(1)
      .optional()
      .meta({
        description: 'A field selector (`metadata.name`, `spec.nodeName`, `status.phase`).',
        examples: ['spec.nodeName=node-1'],
      }),
    workload: workloadRef()
      .optional()
      .meta({
        description:
          "The pods this workload owns (through its ReplicaSets for a Deployment), by the workload's own selector and owner references.",
        examples: ['deployment/orders'],
      }),
    ...selection,
  })
    .describe('Which pods the fault acts on.')
    .superRefine((t, ctx) => {
      if (
        t.labels === undefined &&
        t.selector === undefined &&
        t.fieldSelector === undefined &&
        t.workload === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          message:
            "needs at least one of 'labels', 'selector', 'fieldSelector' or 'workload' (a bare namespace would select every pod in it)",
        })
      }
      refineSelection(t, ctx)
    })

/** Nodes, by name or labels (nodes are cluster-wide: no namespace). */
export const nodeSelector = () =>
  strictObject({
    name: z
      .string({ error: 'must be a node name' })
      .regex(new RegExp(DNS_SUBDOMAIN_PATTERN), { error: 'must be a node name' })
      .optional()
      .describe('One node by name.'),
    labels: z
      .record(z.string(), z.string(), { error: 'must be a map of label to value' })
      .optional()
      .meta({ description: 'Nodes with all these labels.', examples: [{ pool: 'batch' }] }),
    selector: z
      .string({ error: 'must be a label selector' })
      .min(1)
      .optional()
      .describe('A label selector expression, ANDed with `labels`.'),
    ...selection,
  })
    .describe('Which nodes the fault acts on.')
    .superRefine((t, ctx) => {
      if (t.name === undefined && t.labels === undefined && t.selector === undefined) {
        ctx.addIssue({ code: 'custom', message: "needs one of 'name', 'labels' or 'selector'" })
      }
      refineSelection(t, ctx)
    })

export type KubernetesSystemInput = z.input<typeof kubernetesSystemSchema>
export type PodSelectorInput = z.input<ReturnType<typeof podSelector>>
export type NodeSelectorInput = z.input<ReturnType<typeof nodeSelector>>
