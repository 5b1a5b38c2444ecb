/**
 * API paths of the objects Kubernetes faults touch, as the ledger's undo requests name them:
 * plain strings, so an undo replays from the ledger file alone. Workloads' paths and names:
 * platforms/kubernetes/workload.ts.
 * @module
 */
const seg = encodeURIComponent

export const podPath = (namespace: string, name: string) =>
  `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}`

export const nodePath = (name: string) => `/api/v1/nodes/${seg(name)}`

export const networkPolicyPath = (namespace: string, name: string) =>
  `/apis/networking.k8s.io/v1/namespaces/${seg(namespace)}/networkpolicies/${seg(name)}`

export const podLabel = (pod: { namespace: string; name: string }) =>
  `pod ${pod.namespace}/${pod.name}`
