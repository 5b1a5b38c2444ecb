/**
 * The Helm chart under test (`deploy/helm/ordeal`): rendered with the `helm` built beside the
 * test cluster's binaries, parsed into objects, and the agent's ServiceAccount turned into a
 * kubeconfig (a TokenRequest token) so tests act exactly as the in-cluster agent would.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { KubeConfig } from '@kubernetes/client-node'
import { parseAllDocuments } from 'yaml'

const run = promisify(execFile)
export const ROOT = path.resolve(import.meta.dirname, '../..')
export const CHART = path.join(ROOT, 'deploy/helm/ordeal')

/** Where `scripts/k8s-test-cluster.sh` keeps kubectl and helm (building them if needed). */
export function clusterBin(): string {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/k8s-test-cluster.sh'), 'bin'], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  })
  if (r.status !== 0) {
    throw new Error(`k8s-test-cluster.sh bin: ${r.stderr}`)
  }
  return r.stdout.trim()
}

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [key: string]: unknown
}

/** `helm ARGS...`: stdout, or rejects with helm's stderr (one line is what users see). */
export async function helm(bin: string, args: string[]): Promise<string> {
  try {
    return (await run(path.join(bin, 'helm'), args, { maxBuffer: 8 * 1024 * 1024 })).stdout
  } catch (error) {
    throw new Error((error as { stderr?: string }).stderr?.trim() ?? String(error))
  }
}

/** `helm template RELEASE CHART --namespace NS --set ...`: the YAML text. */
export function template(
  bin: string,
  release: string,
  namespace: string,
  sets: string[]
): Promise<string> {
  return helm(bin, [
    'template',
    release,
    CHART,
    '--namespace',
    namespace,
    ...sets.flatMap((s) => ['--set', s]),
  ])
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null)
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name))
}

/**
 * A KubeConfig for `serviceAccount` in `namespace`: the admin config's cluster (server and CA)
 * and a token from the TokenRequest API (`kubectl create token`), nothing else.
 */
export async function serviceAccountConfig(
  admin: KubeConfig,
  kubectl: (args: string[]) => Promise<string>,
  namespace: string,
  serviceAccount: string
): Promise<KubeConfig> {
  const token = (
    await kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration', '1h'])
  ).trim()
  const cluster = admin.getCurrentCluster()
  if (!cluster) {
    throw new Error('the admin kubeconfig has no current cluster')
  }
  const config = new KubeConfig()
  config.loadFromOptions({
    clusters: [{ ...cluster, name: 'test' }],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: 'agent', cluster: 'test', user: serviceAccount, namespace }],
    currentContext: 'agent',
  })
  return config
}

/** A rule flattened: `apps/deployments/scale:patch` (core group: `/pods:get`). */
export type RuleKey = string

/** Every (group, resource, verb) a list of RBAC rules grants, flattened and sorted. */
export function ruleKeys(
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[]
): RuleKey[] {
  const keys = new Set<RuleKey>()
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) {
          keys.add(`${group}/${resource}:${verb}`)
        }
      }
    }
  }
  return [...keys].sort()
}

/**
 * What the agent must be able to do in each listed namespace: the calls of pod-delete,
 * workload-scale, network-isolate and the k8s probe, and nothing more.
 */
export const NAMESPACED_RULES = ruleKeys([
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete', 'patch'] },
  { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['get', 'list'] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments/scale', 'statefulsets/scale'],
    verbs: ['get', 'update', 'patch'],
  },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['networkpolicies'],
    verbs: ['get', 'create', 'delete'],
  },
])

/** Cluster-wide: the k8s probe reads nodes. */
export const NODE_READ_RULES = ruleKeys([
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
])

/** Cluster-wide with nodeFaults.enabled: node-cordon and node-drain (evictions in every namespace). */
export const NODE_FAULT_RULES = ruleKeys([
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
])
