/**
 * Where the ordeal-diskfs helper is: built by scripts/build-native.sh into
 * `<package root>/dist/native/ordeal-diskfs` (native/diskfs; the contract is
 * /work/briefs/diskfs-contract.md's, documented in docs/disk-fault.md).
 * @module
 */
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import { packageRoot } from '../server/package-root.js'

export function diskfsHelperPath(): string {
  return path.join(packageRoot(), 'dist', 'native', 'ordeal-diskfs')
}

/** Why a disk-fault cannot mount on this machine, or undefined when it can. */
export function diskfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'disk-fault needs ordeal to run as root: it mounts a FUSE file system over the directory'
  }
  const helper = diskfsHelperPath()
  try {
    accessSync(helper, constants.X_OK)
  } catch {
    return `disk-fault needs the ordeal-diskfs helper (${helper}), which is not built: install fuse3 and libfuse3-dev (scripts/system-deps.sh disk), then npm run build`
  }
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK)
  } catch {
    return 'disk-fault needs /dev/fuse (the fuse kernel module; in a container, --device /dev/fuse)'
  }
  return undefined
}
