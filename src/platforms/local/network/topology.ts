/**
 * The plan of one run's hosts and networks: every name and address, computed before anything is
 * created (so the ledger can list it first, and dry runs can show it).
 * @module
 */
import type { HostSpec, NetworkSpec } from '../../../experiment/model.js'
import type { TemplateVars } from '../../../shared/template.js'
import { BRIDGE_HOST, hostAddress, subnetBase } from './addressing.js'
import { bridgeName, innerIfname, namespaceName, vethName } from './names.js'

export interface NetworkPlan {
  name: string
  bridge: string
  /** `198.18.7.0/24` */
  subnet: string
  /** The bridge's own address, how the root namespace reaches hosts. */
  gateway: string
}

export interface InterfacePlan {
  network: string
  /** Inside the namespace: eth0, eth1, ... */
  ifname: string
  /** The other end, in the root namespace, enslaved to the network's bridge. */
  peer: string
  bridge: string
  address: string
}

export interface HostPlan {
  name: string
  namespace: string
  interfaces: InterfacePlan[]
}

export interface Topology {
  /** 4 hex digits in every name. */
  netId: string
  networks: NetworkPlan[]
  hosts: HostPlan[]
}

/** `subnets[k]` is network k's /24 index in 198.18.0.0/15. */
export function planTopology(
  netId: string,
  networks: NetworkSpec[],
  hosts: HostSpec[],
  subnets: number[]
): Topology {
  const nets = networks.map((n, k) => ({
    name: n.name,
    bridge: bridgeName(netId, k),
    subnet: `${subnetBase(subnets[k]!)}.0/24`,
    gateway: `${subnetBase(subnets[k]!)}.${BRIDGE_HOST}`,
    k: subnets[k]!,
  }))
  return {
    netId,
    networks: nets.map(({ k: _k, ...n }) => n),
    hosts: hosts.map((host, h) => ({
      name: host.name,
      namespace: namespaceName(netId, host.name),
      interfaces: host.networks.map((network, i) => {
        const k = networks.findIndex((n) => n.name === network)
        const net = nets[k]
        if (!net) {
          throw new Error(`host ${host.name}: no network named '${network}'`)
        }
        return {
          network,
          ifname: innerIfname(i),
          peer: vethName(netId, h, k),
          bridge: net.bridge,
          address: hostAddress(net.k, h + 1),
        }
      }),
    })),
  }
}

export function hostPlan(topology: Topology, name: string): HostPlan {
  const host = topology.hosts.find((h) => h.name === name)
  if (!host) {
    throw new Error(`no host named '${name}'`)
  }
  return host
}

/** Every address of a host (one per network). */
export function addressesOf(host: HostPlan): string[] {
  return host.interfaces.map((i) => i.address)
}

/** `{ NAME: { name, address, networks: { NET: address } } }` for `{{hosts.NAME.address}}`. */
export function hostsTemplateVars(topology: Topology): TemplateVars {
  return Object.fromEntries(topology.hosts.map((h) => [h.name, hostVars(h)]))
}

/** `{ name, address, networks }`, the address being the first network's. */
export function hostVars(host: HostPlan): TemplateVars {
  return {
    name: host.name,
    namespace: host.namespace,
    address: host.interfaces[0]?.address ?? '',
    networks: Object.fromEntries(host.interfaces.map((i) => [i.network, i.address])),
  }
}
