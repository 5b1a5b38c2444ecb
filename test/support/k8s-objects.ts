/**
 * Kubernetes objects for tests, as YAML for `kubectl apply -f -`: workloads whose pods kwok
 * makes Ready (no container ever runs; the image is never pulled).
 * @module
 */

export interface WorkloadOptions {
  namespace: string
  name: string
  replicas: number
  labels: Record<string, string>
  /** Extra pod template labels (beyond the selector's). */
  podLabels?: Record<string, string>
  /** A node selector for the pods (one no node has makes them stay Pending). */
  nodeSelector?: Record<string, string>
  /** At most one pod per node (a topology spread on the hostname). */
  spread?: boolean
}

const flow = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ')}}`

function podTemplate(o: WorkloadOptions): string {
  return `  template:
    metadata:
      labels: ${flow({ ...o.labels, ...o.podLabels })}
    spec:
      terminationGracePeriodSeconds: 0
${o.nodeSelector ? `      nodeSelector: ${flow(o.nodeSelector)}\n` : ''}${o.spread ? spread(o.labels) : ''}      containers:
        - name: app
          image: registry.invalid/app:1`
}

const spread = (labels: Record<string, string>) => `      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: DoNotSchedule
          nodeTaintsPolicy: Honor
          labelSelector: { matchLabels: ${flow(labels)} }
`

export function deploymentYaml(o: WorkloadOptions): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${o.name}, namespace: ${o.namespace}}
spec:
  replicas: ${o.replicas}
  selector:
    matchLabels: ${flow(o.labels)}
${podTemplate(o)}
`
}

export function replicaSetYaml(o: WorkloadOptions): string {
  return deploymentYaml(o).replace('kind: Deployment', 'kind: ReplicaSet')
}

export function statefulSetYaml(o: WorkloadOptions): string {
  return deploymentYaml(o)
    .replace('kind: Deployment', 'kind: StatefulSet')
    .replace('spec:\n  replicas', `spec:\n  serviceName: ${o.name}\n  replicas`)
}

export function podYaml(o: {
  namespace: string
  name: string
  labels: Record<string, string>
  finalizers?: string[]
}): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${o.name}
  namespace: ${o.namespace}
  labels: ${flow(o.labels)}
${o.finalizers ? `  finalizers: [${o.finalizers.map((f) => `"${f}"`).join(', ')}]\n` : ''}spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: app
      image: registry.invalid/app:1
`
}
