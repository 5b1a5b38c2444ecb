/**
 * The run's own names: each host's name and each service placed on hosts, to the addresses the
 * asking host can reach. A host on several networks is answered with its address on a network
 * the asker shares (else its first address); a service with replicas on several hosts gets one
 * A record per host.
 * @module
 */
import type { Topology, HostPlan } from '../platforms/local/network/topology.js'
import { canonicalName } from './glob.js'

export interface PlacedService {
  name: string
  /** spec.system.hosts names its replicas run on (empty: none; it is not a run name). */
  hosts: readonly string[]
}

export class RunNames {
  readonly #hosts = new Map<string, HostPlan>()
  readonly #services = new Map<string, HostPlan[]>()
  /** Interface address → the host it belongs to: who is asking. */
  readonly #byAddress = new Map<string, HostPlan>()

  constructor(topology: Topology, services: readonly PlacedService[]) {
    for (const host of topology.hosts) {
      this.#hosts.set(canonicalName(host.name), host)
      for (const i of host.interfaces) {
        this.#byAddress.set(i.address, host)
      }
    }
    for (const service of services) {
      const placed = [...new Set(service.hosts)].flatMap((h) => {
        const plan = this.#hosts.get(canonicalName(h))
        return plan ? [plan] : []
      })
      if (placed.length > 0) {
        this.#services.set(canonicalName(service.name), placed)
      }
    }
  }

  /** The host whose interface has this address (the asker), if any. */
  hostAt(address: string): HostPlan | undefined {
    return this.#byAddress.get(address)
  }

  /**
   * A addresses for `name` as seen from `from` (an address of the asking host), or undefined
   * when the name is not the run's. A host name wins over a service of the same name.
   */
  lookup(name: string, from?: string): string[] | undefined {
    const key = canonicalName(name)
    const host = this.#hosts.get(key)
    const targets = host ? [host] : this.#services.get(key)
    if (!targets) {
      return undefined
    }
    const asker = from === undefined ? undefined : this.hostAt(from)
    return [...new Set(targets.map((t) => addressFor(t, asker)).filter((a) => a !== ''))]
  }
}

function addressFor(target: HostPlan, asker: HostPlan | undefined): string {
  const shared = asker
    ? target.interfaces.find((i) => asker.interfaces.some((a) => a.network === i.network))
    : undefined
  return (shared ?? target.interfaces[0])?.address ?? ''
}
