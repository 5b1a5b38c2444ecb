/**
 * Workloads and checks for Kubernetes fault tests, through the cluster's own kubectl (never
 * ordeal's code): workloads to act on, and a synchronous kubectl for checks that must see the
 * cluster as it is at the instant a ledger entry is recorded (before the fault acts).
 * @module
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import type { TestCluster } from './k8s-cluster.js'
import { deploymentYaml } from './k8s-objects.js'

/** Creates a Deployment of `replicas` kwok pods labelled `app=NAME` (`spread`: at most one
 * per node) and waits (a watch, through kubectl) until all replicas are available. */
export async function deploy(
  cluster: TestCluster,
  name: string,
  namespace: string,
  replicas: number,
  options: { spread?: boolean } = {}
): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], {
    input: deploymentYaml({ name, namespace, replicas, labels: { app: name }, ...options }),
  })
  await available(cluster, name, namespace)
}

export async function available(
  cluster: TestCluster,
  name: string,
  namespace: string
): Promise<void> {
  await cluster.kubectl(
    ['-n', namespace, 'rollout', 'status', `deployment/${name}`, '--timeout=60s'],
    { timeoutMs: 70_000 }
  )
}

/** kubectl, blocking the event loop: the fault cannot act while this reads. */
export function kubectlSync(cluster: TestCluster, args: string[]): string {
  return execFileSync(
    path.join(cluster.bin, 'kubectl'),
    ['--kubeconfig', cluster.kubeconfig, ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
    }
  )
}

/** `jsonpath` of one object, via kubectl. */
export async function jsonpath(
  cluster: TestCluster,
  args: string[],
  expression: string
): Promise<string> {
  return (await cluster.kubectl([...args, '-o', `jsonpath=${expression}`])).trim()
}
