/**
 * A local repository path (tests, air-gapped mirrors) must never lie inside the server's data
 * directory: that holds the other sources' mirrors, fetched with their credentials, and the
 * server's own store. Both paths are resolved with symlinks followed; a path that does not
 * exist yet is resolved through its nearest existing parent.
 * @module
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'

/** `/srv/repo` or `file:///srv/repo` → its real path. */
function realOf(target: string): string {
  let rest = ''
  let at = path.resolve(target)
  for (;;) {
    try {
      return path.join(realpathSync(at), rest)
    } catch {
      const parent = path.dirname(at)
      if (parent === at) {
        return path.join(at, rest)
      }
      rest = path.join(path.basename(at), rest)
      at = parent
    }
  }
}

/** Whether a local address (an absolute path or a file:// URL) resolves inside `dataDir`. */
export function insideDataDir(url: string, dataDir: string): boolean {
  let local = url
  if (url.startsWith('file:')) {
    try {
      local = decodeURIComponent(new URL(url).pathname)
    } catch {
      return true
    }
  }
  const target = realOf(local)
  const data = realOf(dataDir)
  const relative = path.relative(data, target)
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  )
}
