/**
 * Names of what ordeal creates in the kernel. Everything starts with {@link NAME_PREFIX} and a
 * short per-run id, so leftovers can be found by name; Linux ifnames are at most 15 bytes.
 * @module
 */

export const NAME_PREFIX = 'ord-'
/** IFNAMSIZ - 1. */
export const MAX_IFNAME = 15

/** `ord-<id>-<host>`: the host's namespace (namespace names are files, not ifnames). */
export function namespaceName(netId: string, host: string): string {
  return `${NAME_PREFIX}${netId}-${host}`
}

/** `ord-<id>-b<k>`: network k's bridge. */
export function bridgeName(netId: string, network: number): string {
  return checked(`${NAME_PREFIX}${netId}-b${network.toString(36)}`)
}

/** `ord-<id>-v<hh><nn>`: the root-side end of host h's veth on network n. */
export function vethName(netId: string, host: number, network: number): string {
  const two = (n: number) => n.toString(36).padStart(2, '0')
  return checked(`${NAME_PREFIX}${netId}-v${two(host)}${two(network)}`)
}

/** Inside a host, its interface on the i-th network it joins. */
export function innerIfname(i: number): string {
  return `eth${i}`
}

/** The run's network id from a ledger/ns name: `ord-1a2b-...` → `1a2b`. */
export function netIdOf(name: string): string | undefined {
  return /^ord-([0-9a-f]{4})-/.exec(name)?.[1]
}

function checked(name: string): string {
  if (name.length > MAX_IFNAME) {
    throw new Error(`interface name ${name} is longer than ${MAX_IFNAME} characters`)
  }
  return name
}
