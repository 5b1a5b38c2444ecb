/**
 * Whether a resource is namespaced, from the API server's discovery document of its
 * group/version (`/api/v1`, `/apis/apps/v1`): `nodes` is read without a namespace, `pods` in one.
 * Also how a misspelt resource is caught ("the server has no resource 'deploymens' in apps/v1").
 * @module
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { kubeRequest, statusMessage } from '../../safety/kube-request.js'

export interface ResourceRef {
  group?: string | undefined
  version: string
  resource: string
}

/** `/api/v1` for the core group, `/apis/GROUP/VERSION` for others. */
export function groupVersionPath(ref: ResourceRef): string {
  return ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`
}

/** `apps/v1`, or `v1` for the core group. */
export function groupVersion(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version
}

interface APIResourceList {
  resources?: { name?: string; namespaced?: boolean }[]
}

/**
 * `{namespaced}` or a one-line reason the resource cannot be read; `unknown` when the server
 * has no such group/version (`at: 'version'`) or resource (`at: 'resource'`): a typo.
 */
export type Scope = { namespaced: boolean } | { error: string; unknown?: 'version' | 'resource' }

/**
 * Reads the scope of `ref` from discovery. Rejects only on transport errors and aborts (the
 * caller reports those); an unknown group, version or resource is a `{error}`.
 */
export async function resourceScope(
  config: KubeConfig,
  ref: ResourceRef,
  signal: AbortSignal
): Promise<Scope> {
  const answer = await kubeRequest(config, { method: 'GET', path: groupVersionPath(ref), signal })
  if (answer.status === 404) {
    return { error: `the server has no API group/version ${groupVersion(ref)}`, unknown: 'version' }
  }
  if (answer.status < 200 || answer.status > 299) {
    return { error: statusMessage(answer) }
  }
  const list = answer.body as APIResourceList
  // Subresources (`pods/log`) carry a slash: never what a probe reads.
  const found = list.resources?.find((r) => r.name === ref.resource)
  if (!found) {
    return {
      error: `the server has no resource '${ref.resource}' in ${groupVersion(ref)}`,
      unknown: 'resource',
    }
  }
  return { namespaced: found.namespaced === true }
}
