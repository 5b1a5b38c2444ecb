/**
 * k8s probe (Litmus k8sProbe): gets one object by name or lists a resource (label and field
 * selectors) of any group/version/resource, and checks it is `present`, `absent`, or that a
 * JSONPath of every object found compares as expected. Reads by path through discovery, so
 * custom resources work like built-in ones and cluster-scoped ones (`nodes`) need no namespace.
 * Uses only `config`, `spec.namespace` and `checkNamespace` of the run's cluster.
 * @module
 */
import type { KubernetesRun } from '../../platforms/kubernetes/contract.js'
import { compare, describeComparator } from '../comparator.js'
import { defineProbe } from '../contract.js'
import type { ProbeOutcome, ProbeParamsOf } from '../contract.js'
import { abortMessage, attemptSignal, errorMessage, failed } from '../attempt.js'
import { groupVersion, groupVersionPath, resourceScope } from './discovery.js'
import type { Scope } from './discovery.js'
import { kubeRequest, statusMessage } from '../../safety/kube-request.js'
import { showPath, valueAt } from './json-path.js'

type Params = ProbeParamsOf<'k8s'>

/** What of the run's cluster this probe reads: a test may hand exactly this. */
export type ProbeCluster = Pick<KubernetesRun, 'config' | 'checkNamespace'> & {
  spec: Pick<KubernetesRun['spec'], 'namespace'>
}

/** Objects per page of a list; `present`/`absent` read one page only. */
const PAGE = 500

interface KubeObject {
  metadata?: { name?: string; namespace?: string }
}
interface KubeList {
  items?: KubeObject[]
  metadata?: { continue?: string; remainingItemCount?: number }
}

// Discovery answers per probe (its params object lives as long as the run): the scope of a
// resource does not change under a run, and each attempt then costs one request, not two.
const scopes = new WeakMap<Params, { namespaced: boolean }>()

export const k8sProbe = defineProbe({
  type: 'k8s',

  describe(params) {
    const r = params.resource
    const where = r.namespace ? ` in ${r.namespace}` : ''
    return `k8s ${groupVersion(r)} ${what(r)}${where}: ${expectation(params)}`
  },

  async check(params, ctx) {
    const cluster = ctx.kubernetes as ProbeCluster | undefined
    if (!cluster) {
      return failed('no cluster: the k8s probe needs spec.system.kubernetes')
    }
    const signal = attemptSignal(ctx)
    try {
      return await checkOnce(params, cluster, signal)
    } catch (err) {
      if (signal.aborted) {
        return failed(abortMessage(signal, ctx))
      }
      const server = cluster.config.getCurrentCluster()?.server ?? '(no server)'
      return failed(`API server ${server}: ${errorMessage(err)}`)
    }
  },
})

async function checkOnce(
  params: Params,
  cluster: ProbeCluster,
  signal: AbortSignal
): Promise<ProbeOutcome> {
  const ref = params.resource
  let scope: Scope | undefined = scopes.get(params)
  if (!scope) {
    scope = await resourceScope(cluster.config, ref, signal)
    if ('error' in scope) {
      return failed(scope.error)
    }
    scopes.set(params, scope)
  }

  let base = groupVersionPath(ref)
  if (scope.namespaced) {
    const namespace = ref.namespace ?? cluster.spec.namespace
    try {
      cluster.checkNamespace(namespace)
    } catch (err) {
      return failed((err as Error).message)
    }
    base += `/namespaces/${encodeURIComponent(namespace)}`
  }
  base += `/${ref.resource}`

  const fetched = await objects(params, cluster, base, signal)
  if ('error' in fetched) {
    return failed(fetched.error)
  }
  switch (params.operation) {
    case 'present':
      return fetched.items.length > 0
        ? { passed: true, message: `${found(ref, fetched)} present` }
        : failed(`${what(ref)} ${ref.name ? 'not found' : 'match nothing'}`)
    case 'absent':
      return fetched.items.length === 0
        ? { passed: true, message: `${what(ref)} ${ref.name ? 'absent' : 'match nothing'}` }
        : failed(`${found(ref, fetched)} present`)
    case 'compare':
      return compareAll(params, fetched.items)
  }
}

/** The objects to check: one by name (404: none), or every page of a list. */
async function objects(
  params: Params,
  cluster: ProbeCluster,
  base: string,
  signal: AbortSignal
): Promise<{ items: KubeObject[]; more: number } | { error: string }> {
  const ref = params.resource
  if (ref.name && !ref.labelSelector && !ref.fieldSelector) {
    const answer = await kubeRequest(cluster.config, {
      method: 'GET',
      path: `${base}/${encodeURIComponent(ref.name)}`,
      signal,
    })
    if (answer.status === 404) {
      return { items: [], more: 0 }
    }
    if (answer.status < 200 || answer.status > 299) {
      return { error: statusMessage(answer) }
    }
    return { items: [answer.body as KubeObject], more: 0 }
  }
  // A name with selectors: list by name, so the selectors still filter it.
  const fieldSelector = [ref.name ? `metadata.name=${ref.name}` : undefined, ref.fieldSelector]
    .filter(Boolean)
    .join(',')
  const items: KubeObject[] = []
  let next: string | undefined
  do {
    const query = new URLSearchParams({ limit: String(PAGE) })
    if (ref.labelSelector) {
      query.set('labelSelector', ref.labelSelector)
    }
    if (fieldSelector) {
      query.set('fieldSelector', fieldSelector)
    }
    if (next) {
      query.set('continue', next)
    }
    const answer = await kubeRequest(cluster.config, {
      method: 'GET',
      path: `${base}?${query.toString()}`,
      signal,
    })
    if (answer.status < 200 || answer.status > 299) {
      return { error: statusMessage(answer) }
    }
    const list = answer.body as KubeList
    items.push(...(list.items ?? []))
    next = list.metadata?.continue || undefined
    if (params.operation !== 'compare') {
      return { items, more: next ? (list.metadata?.remainingItemCount ?? 0) : 0 }
    }
  } while (next)
  return { items, more: 0 }
}

/**
 * Every object must pass; at least one must exist (nothing to compare is not a pass). The
 * message is the first failing object's, or the first object's when all pass.
 */
function compareAll(params: Params, items: KubeObject[]): ProbeOutcome {
  const ref = params.resource
  if (items.length === 0) {
    return failed(`${what(ref)} ${ref.name ? 'not found' : 'match nothing'}: nothing to compare`)
  }
  const results = items.map((item) => compareOne(params, item))
  const failing = results.filter((r) => !r.passed)
  const shown = failing[0] ?? results[0]!
  const tally =
    items.length === 1
      ? ''
      : failing.length > 0
        ? ` (${failing.length} of ${items.length} fail)`
        : ` (all ${items.length})`
  return { ...shown, message: `${shown.message}${tally}` }
}

function compareOne(params: Params, item: KubeObject): ProbeOutcome {
  const label = `${params.resource.resource}/${item.metadata?.name ?? '?'}`
  const path = params.jsonPath!
  const shownPath = showPath(path)
  const actual = valueAt(item, path)
  if ('error' in actual) {
    return failed(`${label}: ${actual.error}`)
  }
  if ('absent' in actual) {
    // Kubernetes leaves zero counts out (`availableReplicas` with none available).
    const hint = params.comparator?.type === 'string' ? '' : ' (0?)'
    return failed(`${label}: ${shownPath} absent${hint}, expected ${expectationOf(params)}`)
  }
  if (params.comparator) {
    const result = compare(params.comparator, actual.value)
    return {
      passed: result.passed,
      message: `${label}: ${shownPath} ${result.message}`,
      value: actual.value,
    }
  }
  const otherPath = params.equalsJsonPath!
  const other = valueAt(item, otherPath)
  if ('error' in other) {
    return failed(`${label}: ${other.error}`, actual.value)
  }
  if ('absent' in other) {
    return failed(
      `${label}: ${showPath(otherPath)} absent, nothing to compare ${shownPath} to`,
      actual.value
    )
  }
  const passed = String(actual.value) === String(other.value)
  const expected = `equal to ${showPath(otherPath)} ${other.value}`
  return {
    passed,
    message: `${label}: ${shownPath} ${actual.value}${passed ? '' : ','} ${passed ? expected : `expected ${expected}`}`,
    value: actual.value,
  }
}

function expectationOf(params: Params): string {
  return params.comparator
    ? describeComparator(params.comparator)
    : `equal to ${showPath(params.equalsJsonPath ?? '')}`
}

function expectation(params: Params): string {
  return params.operation === 'compare'
    ? `${showPath(params.jsonPath ?? '')} ${expectationOf(params)}`
    : params.operation
}

/** `deployments/orders`, or `pods app=orders` for a list. */
function what(ref: Params['resource']): string {
  const selectors = [ref.labelSelector, ref.fieldSelector].filter(Boolean).join(', ')
  if (ref.name) {
    return `${ref.resource}/${ref.name}${selectors ? ` (${selectors})` : ''}`
  }
  return selectors ? `${ref.resource} ${selectors}` : ref.resource
}

/** `deployments/orders`, or `3 pods app=orders (orders-a, orders-b, orders-c)`. */
function found(ref: Params['resource'], fetched: { items: KubeObject[]; more: number }): string {
  if (ref.name) {
    return what(ref)
  }
  const count = fetched.items.length + fetched.more
  const names = fetched.items.slice(0, 3).map((o) => o.metadata?.name ?? '?')
  const etc = count > names.length ? ', ...' : ''
  return `${count} ${what(ref)} (${names.join(', ')}${etc})`
}
