/**
 * The bundle: the manifest's directory, shipped with a run placed on an agent so that relative
 * paths (a service's `cwd`, a script next to the manifest, a load file) resolve on the agent
 * exactly as they do locally. Pure pack and unpack; the CLI packs, the agent unpacks into the
 * run's private work tree.
 *
 * Wire form: base64(gzip(JSON `BundleFile[]`)). JSON rather than tar keeps both ends free of a
 * dependency and makes every field validatable with one schema.
 * @module
 */
import { constants } from 'node:fs'
import {
  lchown,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  realpath,
  stat,
  type FileHandle,
} from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib'
import { z } from 'zod'

const gzip = promisify(gzipCb)
const gunzip = promisify(gunzipCb)

/** One file of a bundle. `path` is relative and `/`-separated; `data` is base64. */
export interface BundleFile {
  path: string
  mode: number
  data: string
}

/** The caps of design §4: what a run placed on an agent may carry. */
export const BUNDLE_CAPS = { bytes: 16 * 1024 * 1024, files: 2000, pathBytes: 1024 } as const

/** Only the permission bits an agent should honour: no setuid, no group/other write. */
export const MODE_MASK = 0o755

/** A bundle that cannot be packed or unpacked. The message is one line, without a prefix. */
export class BundleError extends Error {
  readonly code = 'ORDEAL_BUNDLE'
  constructor(
    message: string,
    /** Set when a cap was exceeded: what the directory actually holds. */
    readonly totals?: { bytes: number; files: number }
  ) {
    super(message)
    this.name = 'BundleError'
  }
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}

interface Entry {
  path: string
  real: string
  mode: number
  size: number
}

/**
 * Packs `dir` recursively. Throws BundleError over a cap or on a symlink that leaves `dir`.
 * Dot-entries (`.git`, `.env`, `.ssh`, ...) are left out at every depth: they are a repo's
 * history, credentials and keys, never what a run needs, and they would otherwise travel to
 * the server's database and the agent's disk. `skipped` counts the top-most ones left out.
 */
export async function packBundle(
  dir: string
): Promise<{ data: string; bytes: number; files: number; skipped: number }> {
  const root = await realpath(dir)
  const entries: Entry[] = []
  const skipped = { n: 0 }
  await walk(root, root, '', [root], entries, skipped)
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const bytes = entries.reduce((n, e) => n + e.size, 0)
  // Count everything before refusing, so the message says what the directory really holds.
  if (bytes > BUNDLE_CAPS.bytes || entries.length > BUNDLE_CAPS.files) {
    throw new BundleError(
      `${dir} holds ${formatMiB(bytes)} in ${entries.length.toLocaleString('en-US')} files; a run placed on an agent ships the manifest's directory (cap ${BUNDLE_CAPS.bytes / (1024 * 1024)} MiB, ${BUNDLE_CAPS.files} files): move the manifest into a smaller directory`,
      { bytes, files: entries.length }
    )
  }
  const files: BundleFile[] = []
  let read = 0
  for (const e of entries) {
    const content = await readFile(e.real)
    read += content.length
    // A file that grew between stat and read must not slip past the cap.
    if (read > BUNDLE_CAPS.bytes) {
      throw new BundleError(
        `${dir} grew past ${BUNDLE_CAPS.bytes / (1024 * 1024)} MiB while it was packed`
      )
    }
    files.push({ path: e.path, mode: e.mode & MODE_MASK, data: content.toString('base64') })
  }
  const zipped = await gzip(Buffer.from(JSON.stringify(files)))
  return { data: zipped.toString('base64'), bytes: read, files: files.length, skipped: skipped.n }
}

async function walk(
  root: string,
  abs: string,
  rel: string,
  chain: string[],
  out: Entry[],
  skipped: { n: number }
): Promise<void> {
  const names = await readdir(abs)
  for (const name of names) {
    if (name.startsWith('.')) {
      skipped.n++
      continue
    }
    const path = rel ? `${rel}/${name}` : name
    if (Buffer.byteLength(path) > BUNDLE_CAPS.pathBytes) {
      throw new BundleError(
        `${path.slice(0, 60)}...: path longer than ${BUNDLE_CAPS.pathBytes} bytes`
      )
    }
    const here = join(abs, name)
    let st = await lstat(here)
    let real = here
    if (st.isSymbolicLink()) {
      real = await realpath(here).catch(() => {
        throw new BundleError(`${path}: broken symlink`)
      })
      if (!inside(root, real)) {
        throw new BundleError(`${path}: symlink points outside the manifest's directory (${real})`)
      }
      st = await stat(real)
    }
    if (st.isDirectory()) {
      // A link back to an ancestor would ship the tree forever.
      if (chain.includes(real)) {
        throw new BundleError(`${path}: symlink loops back to ${relative(root, real) || '.'}`)
      }
      await walk(root, real, path, [...chain, real], out, skipped)
    } else if (st.isFile()) {
      out.push({ path, real, mode: st.mode, size: st.size })
    }
    // Sockets, FIFOs and devices are runtime artefacts, not files a run can use elsewhere.
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + sep)
}

const bundleSchema = z.array(
  z.object({ path: z.string(), mode: z.number().int().min(0), data: z.string() }).strict()
)

/**
 * Unpacks `data` into `into`: made here (0700), or an existing dir of ordeal's that nobody else
 * can enter. Refuses unsafe paths and anything over a cap before writing anything. Run as root
 * for another user, it never writes, chmods or chowns through a link: the leaf stays root's
 * until every file is written (O_EXCL|O_NOFOLLOW, mode and owner set on the fd), then the dirs
 * and last the leaf are handed to `options.owner` without following links.
 */
export async function unpackBundle(
  data: string,
  into: string,
  options: UnpackOptions = {}
): Promise<void> {
  let json: Buffer
  try {
    // Base64 of a bundle at the cap plus JSON overhead; a gzip bomb stops here.
    const limit =
      Math.ceil((BUNDLE_CAPS.bytes * 4) / 3) +
      BUNDLE_CAPS.files * (BUNDLE_CAPS.pathBytes + 64) +
      1024
    json = await gunzip(Buffer.from(data, 'base64'), { maxOutputLength: limit })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new BundleError(
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `bundle is larger than ${BUNDLE_CAPS.bytes / (1024 * 1024)} MiB`
        : `bundle is not gzip data: ${(err as Error).message}`
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(json.toString('utf8'))
  } catch {
    throw new BundleError('bundle is not a JSON list of files')
  }
  const result = bundleSchema.safeParse(parsed)
  if (!result.success) {
    throw new BundleError('bundle is not a list of {path, mode, data}')
  }
  const files = result.data
  if (files.length > BUNDLE_CAPS.files) {
    throw new BundleError(`bundle holds ${files.length} files (cap ${BUNDLE_CAPS.files})`)
  }
  const seen = new Set<string>()
  const decoded: Array<{ path: string; mode: number; content: Buffer }> = []
  let bytes = 0
  for (const f of files) {
    checkPath(f.path)
    if (seen.has(f.path)) {
      throw new BundleError(`${f.path}: twice in the bundle`)
    }
    seen.add(f.path)
    const content = Buffer.from(f.data, 'base64')
    bytes += content.length
    if (bytes > BUNDLE_CAPS.bytes) {
      throw new BundleError(`bundle is larger than ${BUNDLE_CAPS.bytes / (1024 * 1024)} MiB`)
    }
    decoded.push({ path: f.path, mode: f.mode & MODE_MASK, content })
  }
  const base = resolve(into)
  const leaf = await privateLeaf(base)
  // Root unpacks into a leaf nobody else can enter, so no other process can plant or swap a
  // symlink while it writes; the lstat checks and O_NOFOLLOW are the second line.
  const dirs: string[] = []
  const made = new Set<string>([base])
  try {
    for (const f of decoded) {
      const parts = f.path.split('/')
      const target = resolve(base, ...parts)
      if (!inside(base, target) || target === base) {
        throw new BundleError(`${f.path}: outside the work tree`)
      }
      try {
        let dir = base
        for (const part of parts.slice(0, -1)) {
          dir = join(dir, part)
          if (!made.has(dir)) {
            await makeDir(dir)
            made.add(dir)
            dirs.push(dir)
          }
        }
        await writeNew(target, f.content, f.mode, options.owner)
      } catch (err) {
        if (err instanceof BundleError) {
          throw err
        }
        throw new BundleError(
          `${f.path}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
        )
      }
    }
    // The hand-over: every dir without following links, then the leaf itself last, so the run
    // user can enter the tree only once root has stopped writing in it.
    if (options.owner !== undefined) {
      for (const dir of dirs) {
        await lchown(dir, options.owner.uid, options.owner.gid)
      }
    }
    if (options.mode !== undefined) {
      await leaf.chmod(options.mode)
    }
    if (options.owner !== undefined) {
      await leaf.chown(options.owner.uid, options.owner.gid)
    }
  } finally {
    await leaf.close()
  }
}

/** Who gets the unpacked tree, and the leaf's final mode. */
export interface UnpackOptions {
  /** Hands every entry (and the leaf, last) to this user; unset: everything stays ordeal's. */
  owner?: { uid: number; gid: number }
  /** The leaf's mode once unpacked. @default unchanged (0700 when it is made here) */
  mode?: number
}

const NOFOLLOW_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW

/**
 * Makes `dir` (0700, its parent must be ours and not writable by others) or accepts an existing
 * one only if it is a real dir of ours that nobody else can enter. Returns it open, so the
 * final chmod/chown act on this dir and not on whatever its name points to by then.
 */
async function privateLeaf(dir: string): Promise<FileHandle> {
  try {
    await mkdir(dir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new BundleError(`cannot make the work tree: ${(err as NodeJS.ErrnoException).code}`)
    }
  }
  let handle: FileHandle
  try {
    handle = await open(dir, NOFOLLOW_DIR)
  } catch (err) {
    throw new BundleError(
      `the work tree is not a real directory: ${(err as NodeJS.ErrnoException).code}`
    )
  }
  const info = await handle.stat()
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o077) !== 0) {
    await handle.close()
    throw new BundleError(
      'the work tree must be a private (0700) directory of ordeal: another user could plant symlinks in it'
    )
  }
  return handle
}

/** Makes one dir of the bundle; refuses anything already there that is not our real dir. */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err
    }
  }
  const handle = await open(dir, NOFOLLOW_DIR).catch((err: NodeJS.ErrnoException) => {
    throw new BundleError(`${dir}: not a real directory (${err.code})`)
  })
  try {
    const info = await handle.stat()
    if (!info.isDirectory() || info.uid !== process.getuid?.()) {
      throw new BundleError(`${dir}: not a directory of ordeal`)
    }
    await handle.chmod(0o755)
  } finally {
    await handle.close()
  }
}

/** Creates `file` (never an existing one, never through a link) and sets mode and owner on the fd. */
async function writeNew(
  file: string,
  content: Buffer,
  mode: number,
  owner: UnpackOptions['owner']
): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  const handle = await open(file, flags, 0o600)
  try {
    await handle.writeFile(content)
    await handle.chmod(mode)
    if (owner !== undefined) {
      await handle.chown(owner.uid, owner.gid)
    }
  } finally {
    await handle.close()
  }
}

function checkPath(path: string): void {
  if (path === '' || Buffer.byteLength(path) > BUNDLE_CAPS.pathBytes) {
    throw new BundleError(
      `bundle path '${path.slice(0, 60)}' is empty or longer than ${BUNDLE_CAPS.pathBytes} bytes`
    )
  }
  if (isAbsolute(path) || path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new BundleError(`bundle path '${path}' is absolute`)
  }
  if (path.includes('\\') || path.includes('\0')) {
    throw new BundleError(`bundle path '${path}' holds a backslash or NUL`)
  }
  for (const part of path.split('/')) {
    if (part === '..') {
      throw new BundleError(`bundle path '${path}' climbs out with '..'`)
    }
    if (part === '' || part === '.') {
      throw new BundleError(`bundle path '${path}' is not normalised`)
    }
  }
}
