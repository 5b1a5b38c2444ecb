/**
 * The namespace of the pod ordeal runs in, when it runs in one (an in-cluster agent): a run
 * that deleted, drained, scaled or isolated ordeal's own pod would kill its runner and its
 * watchdog together and lose the ledger, leaving its faults in place for good. So that
 * namespace joins every run's deny list (and node-drain skips its pods).
 * @module
 */
import { readFileSync } from 'node:fs'
import { SERVICE_ACCOUNT_NAMESPACE } from '../../safety/kube-connection.js'

/** The service-account namespace file's content, or undefined outside a pod. */
export function ownNamespace(file: string = SERVICE_ACCOUNT_NAMESPACE): string | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const name = text.trim()
  return name === '' ? undefined : name
}
