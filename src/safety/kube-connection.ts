/**
 * How a run reaches its Kubernetes cluster, as plain data the ledger can keep: the undo of a
 * Kubernetes fault reconnects from this alone (in the watchdog, or `ordeal recover` later). A
 * path and a context name, never a token: credentials stay in the kubeconfig or the pod's
 * service-account files.
 * @module
 */
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { KubeConfig } from '@kubernetes/client-node'

export interface KubeConnectionRef {
  /** Absolute kubeconfig path (what --kubeconfig, the manifest or $KUBECONFIG named). */
  kubeconfig?: string
  context?: string
  /** The service account of the pod ordeal runs in (KUBERNETES_SERVICE_HOST, token file). */
  inCluster?: boolean
  /**
   * In-cluster: the API's KUBERNETES_SERVICE_HOST/PORT as the resolving process saw them (not
   * secrets). Kept so that a run process or watchdog with a scrubbed environment, and `ordeal
   * recover` later, reconnect without those variables.
   */
  apiServer?: { host: string; port: string }
}

/** The pod's own namespace, beside its token (how ordeal knows it runs in a pod). */
export const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'

/** Where client-node (and every Kubernetes client) reads a pod's service-account token. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** A connection that cannot be set up (no configuration, a bad file, an unknown context). */
export class KubeConnectionError extends Error {
  readonly code = 'ORDEAL_KUBE_CONNECTION'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KubeConnectionError'
  }
}

export interface ResolveConnectionInput {
  /** `--kubeconfig`: wins over the manifest's, as kubectl's flag wins over everything. */
  flagKubeconfig?: string | undefined
  /** `spec.system.kubernetes.kubeconfig`, already absolute. */
  manifestKubeconfig?: string | undefined
  /** `--context`, else the manifest's `context`. */
  context?: string | undefined
  env: NodeJS.ProcessEnv
  /** Injectable for tests. */
  exists?: (file: string) => boolean
  homedir?: string
}

/**
 * Which configuration a run uses: `--kubeconfig` > the manifest's `kubeconfig` >
 * `$KUBECONFIG` (its first path: the ledger keeps one file) > `~/.kube/config` when it
 * exists > the pod's service account (in-cluster). The flag wins as in kubectl: whoever types
 * `ordeal run exp.yaml --kubeconfig staging.yaml` means staging, whatever the manifest names
 * (the context follows the same rule: `--context` > the manifest's `context`).
 * @throws KubeConnectionError when none applies
 */
export function resolveConnection(input: ResolveConnectionInput): KubeConnectionRef {
  const exists = input.exists ?? existsSync
  const context = input.context === undefined ? {} : { context: input.context }
  const file =
    input.flagKubeconfig ?? input.manifestKubeconfig ?? firstPath(input.env['KUBECONFIG'])
  if (file !== undefined) {
    return { kubeconfig: path.resolve(file), ...context }
  }
  const home = input.homedir ?? input.env['HOME'] ?? os.homedir()
  const userConfig = path.join(home, '.kube', 'config')
  if (exists(userConfig)) {
    return { kubeconfig: userConfig, ...context }
  }
  const host = input.env['KUBERNETES_SERVICE_HOST']
  if (host && exists(SERVICE_ACCOUNT_TOKEN)) {
    const port = input.env['KUBERNETES_SERVICE_PORT'] || '443'
    return { inCluster: true, apiServer: { host, port }, ...context }
  }
  throw new KubeConnectionError(
    `no Kubernetes configuration: set --kubeconfig, spec.system.kubernetes.kubeconfig or $KUBECONFIG, create ${userConfig}, or run in a pod with a service account`
  )
}

function firstPath(list: string | undefined): string | undefined {
  const first = list
    ?.split(path.delimiter)
    .map((p) => p.trim())
    .find((p) => p !== '')
  return first === undefined || first === '' ? undefined : first
}

/**
 * A client-node KubeConfig for `ref`. client-node is imported here, lazily, so that a run
 * without Kubernetes (and the undo of a local fault) never loads it.
 * @throws KubeConnectionError naming the file or the unknown context
 */
export async function loadKubeConfig(ref: KubeConnectionRef): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node')
  const kc = new KubeConfig()
  if (ref.inCluster === true) {
    kc.loadFromCluster()
    if (ref.apiServer !== undefined) {
      // loadFromCluster reads the address from process.env, which a scrubbed run process or
      // watchdog lacks: use the one resolved where the variables were set.
      kc.clusters = kc.clusters.map((c) => ({ ...c, server: inClusterServer(ref.apiServer!) }))
    }
  } else if (ref.kubeconfig !== undefined) {
    if (!existsSync(ref.kubeconfig)) {
      throw new KubeConnectionError(`kubeconfig ${ref.kubeconfig} does not exist`)
    }
    try {
      kc.loadFromFile(ref.kubeconfig)
    } catch (error) {
      throw new KubeConnectionError(
        `kubeconfig ${ref.kubeconfig}: ${firstLine((error as Error).message)}`,
        { cause: error }
      )
    }
  } else {
    throw new KubeConnectionError(
      'no Kubernetes configuration: neither a kubeconfig nor in-cluster'
    )
  }
  if (ref.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === ref.context)) {
      const known = kc.getContexts().map((c) => c.name)
      throw new KubeConnectionError(
        `context "${ref.context}" not found in ${ref.kubeconfig ?? 'the in-cluster configuration'}${known.length > 0 ? ` (contexts: ${known.join(', ')})` : ''}`
      )
    }
    kc.setCurrentContext(ref.context)
  }
  if (kc.getCurrentCluster() === null) {
    throw new KubeConnectionError(
      `${ref.kubeconfig ?? 'the in-cluster configuration'} has no cluster for context "${kc.getCurrentContext()}"`
    )
  }
  return kc
}

/** `--kubeconfig /a/b --context c`, or `in-cluster`: for messages and the journal. */
export function describeConnection(ref: KubeConnectionRef): string {
  const where = ref.inCluster === true ? 'in-cluster' : (ref.kubeconfig ?? 'no kubeconfig')
  return ref.context === undefined ? where : `${where} (context ${ref.context})`
}

/** The API's URL as client-node's loadFromCluster builds it (http on the insecure ports). */
export function inClusterServer({ host, port }: { host: string; port: string }): string {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https'
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim()
}
