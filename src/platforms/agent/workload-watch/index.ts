/**
 * `ordeal agent --watch-workloads` (issue 16 §3, like Litmus's event tracker): the agent
 * watches Deployments, StatefulSets and DaemonSets annotated `ordeal.dev/experiment=NAME` and
 * tells its Chaos Center when one's pod template changes (a deploy), with a `workload-changed`
 * frame; the server's triggers run the experiment, by default on this agent.
 *
 * Frames go only to a server whose welcome lists `workload-watch` (an older one would close
 * the socket on a frame it does not know). Until then, and while disconnected, the latest
 * change of each workload waits (pending.ts).
 * @module
 */
import type { KubeConnectionRef } from '../../../safety/kube-connection.js'
import { loadKubeConfig, describeConnection } from '../../../safety/kube-connection.js'
import { deniedWatchNamespaces } from './scope.js'
import { WORKLOAD_WATCH_FEATURE, type WorkloadChanged } from '../protocol.js'
import { PendingChanges } from './pending.js'
import { WorkloadTracker, type WorkloadChange } from './tracker.js'
import { startWorkloadWatcher, type WorkloadWatcher } from './watcher.js'

export { EXPERIMENT_ANNOTATION } from './template.js'

export interface WorkloadWatchOptions {
  connection: KubeConnectionRef
  /** `--watch-namespace`: only these; empty: the whole cluster. */
  namespaces: readonly string[]
  /** `--allow-namespace`: deny-list namespaces watched all the same. */
  allowNamespaces: readonly string[]
  /** The namespace of the pod the agent runs in, never watched (as never touched). */
  ownNamespace?: string | undefined
  log(line: string): void
  /** Sends on the ready connection; false when there is none. */
  send(frame: WorkloadChanged): boolean
  /** The features the current server's welcome listed; undefined when not connected. */
  serverFeatures(): readonly string[] | undefined
}

export interface WorkloadWatch {
  /** Resolves once every kind and namespace is listed (the baseline). */
  readonly listed: Promise<void>
  /** Sends what waits: called on each welcome. */
  flush(): void
  close(): void
}

export async function startWorkloadWatch(o: WorkloadWatchOptions): Promise<WorkloadWatch> {
  const config = await loadKubeConfig(o.connection)
  const denied = new Set(deniedWatchNamespaces(o.allowNamespaces, o.ownNamespace))
  const pending = new PendingChanges(o.log)
  let unsupportedSaid = false
  const flush = () => {
    const features = o.serverFeatures()
    if (pending.size === 0 || features === undefined) {
      return // nothing waits, or no connection: the next welcome flushes
    }
    if (!features.includes(WORKLOAD_WATCH_FEATURE)) {
      if (!unsupportedSaid) {
        unsupportedSaid = true
        o.log(
          'workload watch: this Chaos Center does not take workload changes (upgrade it); the latest of each workload waits'
        )
      }
      return
    }
    unsupportedSaid = false
    pending.drain((change) => o.send({ type: 'workload-changed', ...change }))
  }
  const onChange = (change: WorkloadChange) => {
    o.log(
      `workload watch: ${change.workload} in ${change.namespace} changed (${change.images.join(', ') || 'no image'}): experiment ${change.experiment}`
    )
    pending.add(change)
    flush()
  }
  const tracker = new WorkloadTracker({ warn: o.log })
  const watcher: WorkloadWatcher = startWorkloadWatcher({
    config,
    namespaces: o.namespaces.length > 0 ? o.namespaces : undefined,
    denied: (namespace) => denied.has(namespace),
    tracker,
    onChange,
    log: o.log,
  })
  const scope = o.namespaces.length > 0 ? o.namespaces.join(', ') : 'all namespaces'
  const listed = watcher.listed.then(() =>
    o.log(
      `workload watch: watching deployments, statefulsets and daemonsets in ${scope} (${describeConnection(o.connection)}; ${tracker.size} annotated ordeal.dev/experiment)`
    )
  )
  return {
    listed,
    flush,
    close: () => watcher.close(),
  }
}
