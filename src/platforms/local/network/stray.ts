/**
 * Namespaces and links named with ordeal's prefix, read straight from /run/netns and
 * /sys/class/net (synchronous and without running `ip`), for `ordeal recover`'s sweep.
 * @module
 */
import { readdirSync } from 'node:fs'
import { NAME_PREFIX } from './names.js'

export interface NetworkObject {
  object: 'namespace' | 'link'
  name: string
}

export function ordealNetworkObjects(): NetworkObject[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir).filter((n) => n.startsWith(NAME_PREFIX))
    } catch {
      return [] // no namespace was ever created (/run/netns missing)
    }
  }
  return [
    ...list('/run/netns').map((name) => ({ object: 'namespace' as const, name })),
    ...list('/sys/class/net').map((name) => ({ object: 'link' as const, name })),
  ]
}
