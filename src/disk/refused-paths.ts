/**
 * Directories a disk-fault never mounts over. The mount hides the directory's own tree behind
 * a file system ordeal can fail and roll back, as root: over the system's directories it would
 * break the machine, over ordeal's state it would hide the very ledger and journal that undo
 * and report the run, and over another run's dir it would touch that run. Pure: the caller
 * passes the real (symlink-free) path.
 * @module
 */
import path from 'node:path'

/** System trees: neither them nor anything under them. */
const kSystemTrees = [
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/boot',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
]
/** Shared roots: never the directory itself (a subdirectory of /tmp or /var is fine). */
const kSharedRoots = [
  '/',
  '/tmp',
  '/var',
  '/var/tmp',
  '/var/lib',
  '/home',
  '/root',
  '/opt',
  '/srv',
  '/mnt',
  '/media',
]

export interface OwnPlaces {
  /** ordeal's state dir (ledgers, runs). */
  stateDir: string
  /** ordeal's package (its code and the helper itself). */
  packageRoot: string
  /** This run's dir (journal, ledger-side files) and work dir (`<work>/data` holds the data dirs). */
  runDir: string
  workDir: string
}

const inside = (dir: string, root: string) =>
  dir === root || dir.startsWith(root.endsWith('/') ? root : `${root}/`)

/** Why `dir` (absolute, real) is refused, or undefined when a disk-fault may mount over it. */
export function refusedMountPath(dir: string, own: OwnPlaces): string | undefined {
  const tree = kSystemTrees.find((root) => inside(dir, root))
  if (tree !== undefined) {
    return `${dir} is under ${tree}, a system directory`
  }
  if (kSharedRoots.includes(dir)) {
    return `${dir} is a system directory; use a directory of the service's own (a subdirectory, or {{services.NAME.dataDir}})`
  }
  const state = path.resolve(own.stateDir)
  const work = path.resolve(own.workDir)
  const data = path.join(work, 'data')
  for (const [place, label] of [
    [state, "ordeal's state dir"],
    [path.resolve(own.packageRoot), "ordeal's package"],
    [path.resolve(own.runDir), "the run's dir"],
    [work, "the run's work dir"],
  ] as const) {
    if (inside(place, dir)) {
      return `${dir} holds ${label} (${place}): a mount over it would hide what undoes and reports the run`
    }
  }
  if (inside(dir, data) && dir !== data) {
    return undefined // a data dir of this run (or below one)
  }
  if (inside(dir, state)) {
    return `${dir} is in ordeal's state dir (${state}) but not in this run's data dirs (${data})`
  }
  const pkg = path.resolve(own.packageRoot)
  for (const sub of ['dist', 'node_modules']) {
    if (inside(dir, path.join(pkg, sub))) {
      return `${dir} is part of ordeal's own code (${path.join(pkg, sub)})`
    }
  }
  return undefined
}
