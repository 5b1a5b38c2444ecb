/**
 * The list-and-watch loops behind `ordeal agent --watch-workloads`: one per kind
 * (Deployments, StatefulSets, DaemonSets) and per watched namespace, or per kind over the whole
 * cluster. Each lists (paged), hands the list to the tracker, then watches from the list's
 * resourceVersion, keeping the version of every event and bookmark:
 *
 * - a watch the server ends normally (its timeout) resumes from the last version, no list;
 * - a 410 Gone (the version is compacted away) lists again at once;
 * - any other failure (the API server restarting, a network error, a 403) lists again after
 *   a jittered backoff, said once in the log, and `resumed` said once it works again.
 *
 * A list after a gap is compared with what was seen (tracker.ts), so a deploy made while the
 * watch was down is still reported, once.
 * @module
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node'
import { kubeErrorMessage, kubeRequestOk } from '../../../safety/kube-request.js'
import { backoffDelay } from '../backoff.js'
import type { WorkloadChange, WorkloadTracker } from './tracker.js'
import { reduced, WATCHED_KINDS, type WatchedKind, type WorkloadObject } from './template.js'

const RESOURCES: Record<WatchedKind, string> = {
  deployment: 'deployments',
  statefulset: 'statefulsets',
  daemonset: 'daemonsets',
}
/** Items per list page. */
const PAGE = 500
/** The least pause before listing again after a failure (backoff adds up to 15 s). */
const MIN_RETRY_MS = 200
/** A watch shorter than this that ended "normally" is treated as a failure (no tight loop). */
const SHORT_WATCH_MS = 1000

export interface WorkloadWatcherOptions {
  config: KubeConfig
  /** The namespaces to watch; undefined: the whole cluster. */
  namespaces?: readonly string[] | undefined
  /** Objects in these namespaces are ignored (the deny list, ordeal's own namespace). */
  denied(namespace: string): boolean
  tracker: WorkloadTracker
  onChange(change: WorkloadChange): void
  log(line: string): void
  random?: () => number
}

export interface WorkloadWatcher {
  /** Resolves once every loop has listed once (the baseline is taken). */
  readonly listed: Promise<void>
  close(): void
}

interface ListOf {
  metadata?: { resourceVersion?: string; continue?: string }
  items?: WorkloadObject[]
}

type WatchEnd = { kind: 'closed' } | { kind: 'gone' } | { kind: 'failed'; why: string }

export function startWorkloadWatcher(o: WorkloadWatcherOptions): WorkloadWatcher {
  const random = o.random ?? Math.random
  const watch = new Watch(o.config)
  const aborts = new Set<AbortController>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false
  const scopes = o.namespaces === undefined ? [undefined] : [...o.namespaces]
  const loops = WATCHED_KINDS.flatMap((kind) => scopes.map((namespace) => ({ kind, namespace })))
  let unlisted = loops.length
  let resolveListed!: () => void
  const listed = new Promise<void>((resolve) => (resolveListed = resolve))

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  const inScope = (object: WorkloadObject) => !o.denied(object.metadata?.namespace ?? '')

  const listAll = async (path: string): Promise<{ items: WorkloadObject[]; version: string }> => {
    const items: WorkloadObject[] = []
    let next: string | undefined
    let version = ''
    do {
      const query = new URLSearchParams({ limit: String(PAGE) })
      if (next !== undefined) {
        query.set('continue', next)
      }
      const page = (await kubeRequestOk(o.config, {
        method: 'GET',
        path: `${path}?${query}`,
      })) as ListOf
      // Each page reduced (and out-of-scope objects dropped) before the next is read.
      for (const item of page.items ?? []) {
        if (inScope(item)) {
          items.push(reduced(item))
        }
      }
      version = page.metadata?.resourceVersion ?? version
      next = page.metadata?.continue || undefined
    } while (next !== undefined && !closed)
    return { items, version }
  }

  /** One watch from `version`; `seen` gets each event's object and keeps the newest version. */
  const watchOnce = (
    path: string,
    version: string,
    seen: (type: string, object: WorkloadObject) => void
  ): Promise<WatchEnd> =>
    new Promise<WatchEnd>((resolve) => {
      let end: WatchEnd | undefined
      let controller: AbortController | undefined
      let done = false
      const finish = (result: WatchEnd) => {
        end ??= result
        controller?.abort()
      }
      watch
        .watch(
          path,
          // Jittered server-side timeout: the loops of many agents do not re-watch in step.
          {
            resourceVersion: version,
            allowWatchBookmarks: true,
            timeoutSeconds: 240 + Math.floor(random() * 120),
          },
          (type: string, object: unknown) => {
            if (end !== undefined || closed) {
              return
            }
            if (type === 'ERROR') {
              const status = object as { code?: number; message?: string }
              finish(
                status.code === 410
                  ? { kind: 'gone' }
                  : { kind: 'failed', why: status.message ?? `watch error ${status.code ?? ''}` }
              )
              return
            }
            seen(type, object as WorkloadObject)
          },
          (error: unknown) => {
            done = true
            if (controller !== undefined) {
              aborts.delete(controller)
            }
            const status = (error as { statusCode?: unknown } | null)?.statusCode
            resolve(
              end ??
                (error === null || error === undefined || closed
                  ? { kind: 'closed' }
                  : status === 410
                    ? { kind: 'gone' }
                    : { kind: 'failed', why: kubeErrorMessage(error) })
            )
          }
        )
        .then(
          (c) => {
            controller = c
            if (closed || end !== undefined) {
              c.abort()
            } else if (!done) {
              aborts.add(c) // a watch that failed to start is done already: nothing to abort
            }
          },
          (error: unknown) => resolve({ kind: 'failed', why: kubeErrorMessage(error) })
        )
    })

  const loop = async (kind: WatchedKind, namespace: string | undefined) => {
    const resource = RESOURCES[kind]
    const where = namespace === undefined ? 'all namespaces' : namespace
    const path =
      namespace === undefined
        ? `/apis/apps/v1/${resource}`
        : `/apis/apps/v1/namespaces/${namespace}/${resource}`
    const stream = `${kind}@${namespace ?? '*'}`
    let first = true
    let attempt = 0
    let failing: string | undefined
    const failed = async (why: string) => {
      if (why !== failing) {
        o.log(`workload watch: ${resource} in ${where}: ${why}; retrying`)
      }
      failing = why
      await pause(MIN_RETRY_MS + backoffDelay(attempt++, random))
    }
    while (!closed) {
      let version: string
      try {
        const list = await listAll(path)
        if (closed) {
          return
        }
        for (const change of o.tracker.list(stream, kind, list.items.filter(inScope))) {
          o.onChange(change)
        }
        version = list.version
      } catch (error) {
        await failed(kubeErrorMessage(error))
        continue
      }
      if (failing !== undefined) {
        o.log(`workload watch: ${resource} in ${where}: resumed`)
        failing = undefined
      }
      if (first) {
        first = false
        if (--unlisted === 0) {
          resolveListed()
        }
      }
      // Watch, and re-watch from the newest version, until a list is needed again.
      for (;;) {
        const startedAt = performance.now()
        const end = await watchOnce(path, version, (type, object) => {
          version = object.metadata?.resourceVersion ?? version
          if (type === 'BOOKMARK' || !inScope(object)) {
            return
          }
          const change = o.tracker.event(stream, kind, type, object)
          if (change !== undefined) {
            o.onChange(change)
          }
        })
        if (closed) {
          return
        }
        const short = performance.now() - startedAt < SHORT_WATCH_MS
        if (!short) {
          attempt = 0 // it worked for a while: the next failure starts the backoff over
        }
        if (end.kind === 'gone') {
          break
        }
        if (end.kind === 'failed') {
          await failed(end.why)
          break
        }
        if (short) {
          // Ended at once without an error (an API server going down closes it so): list
          // again after a pause rather than spin.
          await failed('the watch ended at once')
          break
        }
      }
    }
  }

  for (const { kind, namespace } of loops) {
    void loop(kind, namespace).catch((error: unknown) =>
      o.log(`workload watch: ${RESOURCES[kind]} stopped: ${kubeErrorMessage(error)}`)
    )
  }

  return {
    listed,
    close() {
      closed = true
      for (const c of aborts) {
        c.abort()
      }
      aborts.clear()
      for (const t of timers) {
        clearTimeout(t)
      }
      timers.clear()
    },
  }
}
