/**
 * Who a disk-fault's directory must belong to in a Chaos Center run (`--run-as`): the run user,
 * or a service's own `user:` (which the Chaos Center already allowed). The helper mounts over
 * it as root, so a manifest's author may only pick a directory that is theirs; an `ordeal run`
 * of your own (ordeal runs as you) puts no such limit.
 * @module
 */
import type { ServiceSpec } from '../experiment/model.js'
import type { ExecPolicy } from '../platforms/local/exec-policy.js'
import { lookupUser } from '../platforms/local/run-user.js'
import { isForeign } from '../platforms/local/work-dir.js'

export function mountOwners(
  policy: ExecPolicy,
  services: readonly Pick<ServiceSpec, 'user'>[]
): { owners?: number[] } {
  if (!isForeign(policy.user)) {
    return {}
  }
  const owners = [policy.user.uid]
  for (const service of services) {
    const uid = service.user === undefined ? undefined : lookupUser(service.user)?.uid
    if (uid !== undefined) {
      owners.push(uid)
    }
  }
  return { owners }
}
