/**
 * The namespace deny list (blast radius): a run never touches `kube-system` and the other
 * listed namespaces unless the manifest's `allowNamespaces` names them. Pure, so the manifest
 * checks refuse a denied namespace at validation and the run refuses it again at each fault.
 * @module
 */

/** How a manifest lifts a namespace off the deny list (a run of your own). */
export const MANIFEST_ALLOW_HINT = 'list it in spec.system.kubernetes.allowNamespaces to allow it'

/** Why a run may not touch `namespace`, or undefined when it may. */
export function deniedNamespaceError(
  namespace: string,
  denied: string[],
  options: { ownNamespace?: string | undefined; allowHint?: string | undefined } = {}
): string | undefined {
  if (namespace === options.ownNamespace) {
    return `namespace "${namespace}" is ordeal's own (it runs in a pod there): a run never touches it`
  }
  if (!denied.includes(namespace)) {
    return undefined
  }
  return `namespace "${namespace}" is in the deny list (${denied.join(', ')}); ${options.allowHint ?? MANIFEST_ALLOW_HINT}`
}

/**
 * Every namespace a run refuses: the default deny list plus `denyNamespaces`, minus
 * `allowNamespaces` (the manifest saying so explicitly).
 */
export function deniedNamespacesOf(
  k: { allowNamespaces?: string[] | undefined; denyNamespaces?: string[] | undefined },
  defaults: readonly string[]
): string[] {
  const allowed = new Set(k.allowNamespaces ?? [])
  const denied = [...new Set([...defaults, ...(k.denyNamespaces ?? [])])]
  return denied.filter((n) => !allowed.has(n))
}
