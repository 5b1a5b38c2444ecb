/**
 * The `spec.system` parts the fault examples share, so the catalogue shows the same service
 * and hosts throughout.
 * @module
 */
import type { SystemInput } from '../experiment/example.js'

/** A service ordeal launches: three replicas of Python's HTTP server, on free ports. */
export const APP_SERVICE: NonNullable<SystemInput['services']>[number] = {
  name: 'app',
  command: 'python3',
  args: ['-m', 'http.server', '{{ports.http}}'],
  replicas: 3,
  ports: { http: 0 },
  readiness: { http: 'http://127.0.0.1:{{ports.http}}/' },
}

/** Three hosts (network namespaces, needs root) on one network. */
export const THREE_HOSTS: SystemInput = {
  networks: [{ name: 'lan' }],
  hosts: [
    { name: 'n1', networks: ['lan'] },
    { name: 'n2', networks: ['lan'] },
    { name: 'n3', networks: ['lan'] },
  ],
}

/** A Kubernetes cluster, namespace `shop` (the kubeconfig's current context). */
export const SHOP_CLUSTER: SystemInput = { kubernetes: { namespace: 'shop' } }
