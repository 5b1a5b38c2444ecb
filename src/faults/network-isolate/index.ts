/**
 * network-isolate: labels the selected pods `ordeal.dev/isolated=<id>` and creates a NetworkPolicy
 * selecting that label with no rules: all ingress, egress or both denied (Litmus network
 * partition, API-only). Enforcement is the cluster CNI's; on one without NetworkPolicy support
 * nothing is cut, which the journal says.
 *
 * Invariant 1 with an object whose uid exists only after creation: the policy's name is derived
 * from the run and fault ids (`ordeal-isolate-<hash>`), so the delete by name recorded before
 * creating it can only ever match the policy this fault creates.
 * @module
 */
import { createHash } from 'node:crypto'
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node'
import { defineFault, type FaultContext, type FaultParamsOf } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { kubeErrorStatus } from '../../safety/kube-request.js'
import { refusedCode } from '../kubernetes/refused.js'
import { apiFailure, apiStatus } from '../kubernetes/api-error.js'
import { MERGE_PATCH } from '../kubernetes/cordon.js'
import { describePods } from '../kubernetes/describe.js'
import { needKubernetes } from '../kubernetes/need.js'
import { networkPolicyPath, podLabel, podPath } from '../kubernetes/paths.js'

type Params = FaultParamsOf<'network-isolate'>

export const ISOLATED_LABEL = 'ordeal.dev/isolated'

export const networkIsolateFault = defineFault({
  type: 'network-isolate',
  describe(params) {
    return [
      `deny ${params.direction ?? 'both'} traffic of ${describePods(params.pods)} for ${params.duration} (a NetworkPolicy; enforced only by a CNI that supports them)`,
    ]
  },
  async inject(ctx) {
    const kube = needKubernetes(ctx)
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const core = kube.config.makeApiClient(CoreV1Api)
    const net = kube.config.makeApiClient(NetworkingV1Api)
    const id = isolationId(ctx.runId, ctx.fault.id)
    const pods = await kube
      .selectPods(ctx.params.pods, ctx.action)
      .catch((error: unknown) => Promise.reject(apiFailure('network-isolate', error)))
    const targets: string[] = []
    const namespaces = new Set<string>()
    for (const pod of pods) {
      kube.checkNamespace(pod.namespace)
      const label = podLabel(pod)
      const entry = undos.record({
        kind: 'kubernetes',
        connection: kube.connection,
        label: `remove label ${ISOLATED_LABEL} from ${label}`,
        request: {
          op: 'patch',
          path: podPath(pod.namespace, pod.name),
          patchType: 'merge',
          body: { metadata: { labels: { [ISOLATED_LABEL]: null } } },
        },
      })
      try {
        // The uid in the patch acts as a precondition: on a pod re-created under this name the
        // server refuses it (422, metadata.uid immutable) rather than labelling the newcomer.
        await core.patchNamespacedPod(
          {
            name: pod.name,
            namespace: pod.namespace,
            body: { metadata: { uid: pod.uid, labels: { [ISOLATED_LABEL]: id } } },
          },
          MERGE_PATCH
        )
      } catch (error) {
        if (kubeErrorStatus(error) === 404 || uidMismatch(error)) {
          ctx.action(`label ${label}: already gone`)
          continue
        }
        const code = refusedCode(error)
        if (code !== undefined) {
          undos.discard(entry, `label refused (${code}): nothing to undo`)
        }
        throw apiFailure('network-isolate', error)
      }
      ctx.action(`labelled ${label} ${ISOLATED_LABEL}=${id}`)
      targets.push(label)
      namespaces.add(pod.namespace)
    }
    // A NetworkPolicy is namespaced: one per namespace of the pods labelled.
    for (const namespace of namespaces) {
      targets.push(await createPolicy(ctx, net, undos, namespace, id))
    }
    if (namespaces.size > 0) {
      ctx.action('network-isolate: enforcement depends on the cluster CNI (NetworkPolicy support)')
    }
    return { targets, revert: () => undos.revert() }
  },
})

async function createPolicy(
  ctx: FaultContext<Params>,
  net: NetworkingV1Api,
  undos: RecordedUndos,
  namespace: string,
  id: string
): Promise<string> {
  const kube = ctx.kubernetes!
  const name = `ordeal-isolate-${id}`
  const label = `NetworkPolicy ${namespace}/${name}`
  const entry = undos.record({
    kind: 'kubernetes',
    connection: kube.connection,
    label: `delete ${label}`,
    request: { op: 'delete', path: networkPolicyPath(namespace, name) },
  })
  const direction = ctx.params.direction ?? 'both'
  try {
    await net.createNamespacedNetworkPolicy({
      namespace,
      body: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: {
          name,
          namespace,
          labels: {
            'app.kubernetes.io/managed-by': 'ordeal',
            'ordeal.dev/run': labelValue(ctx.runId),
          },
        },
        spec: {
          podSelector: { matchLabels: { [ISOLATED_LABEL]: id } },
          // No rules of a listed type: everything of that type is denied.
          policyTypes: policyTypes(direction),
        },
      },
    })
  } catch (error) {
    const code = refusedCode(error)
    if (code !== undefined) {
      undos.discard(entry, `create refused (${code}): nothing to undo`)
    }
    throw apiFailure('network-isolate', error)
  }
  ctx.action(`created ${label} denying ${direction} traffic`)
  return label
}

export function policyTypes(direction: 'ingress' | 'egress' | 'both'): string[] {
  return direction === 'ingress'
    ? ['Ingress']
    : direction === 'egress'
      ? ['Egress']
      : ['Ingress', 'Egress']
}

/** A short id of this fault in this run: a valid label value and name suffix. */
export function isolationId(runId: string, faultId: string): string {
  return createHash('sha256').update(`${runId}\0${faultId}`).digest('hex').slice(0, 10)
}

/** A label value (63 chars of [A-Za-z0-9._-], alphanumeric ends) close to `text`. */
export function labelValue(text: string): string {
  const value = text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return value
}

/** The pod under this name is not the one selected: the uid in the patch did not match. */
function uidMismatch(error: unknown): boolean {
  const causes = apiStatus(error)?.details?.causes ?? []
  return kubeErrorStatus(error) === 422 && causes.some((c) => c.field === 'metadata.uid')
}
