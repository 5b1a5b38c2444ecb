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
import { lstat, mkdir, readFile, readdir, realpath, stat, writeFile, chmod } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
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

/** Packs `dir` recursively. Throws BundleError over a cap or on a symlink that leaves `dir`. */
export async function packBundle(
  dir: string
): Promise<{ data: string; bytes: number; files: number }> {
  const root = await realpath(dir)
  const entries: Entry[] = []
  await walk(root, root, '', [root], entries)
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
  return { data: zipped.toString('base64'), bytes: read, files: files.length }
}

async function walk(
  root: string,
  abs: string,
  rel: string,
  chain: string[],
  out: Entry[]
): Promise<void> {
  const names = await readdir(abs)
  for (const name of names) {
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
      await walk(root, real, path, [...chain, real], out)
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

/** Unpacks `data` into `into` (created if missing). Refuses unsafe paths and anything over a cap. */
export async function unpackBundle(data: string, into: string): Promise<void> {
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
  await mkdir(base, { recursive: true })
  for (const f of decoded) {
    const target = resolve(base, ...f.path.split('/'))
    if (!inside(base, target) || target === base) {
      throw new BundleError(`${f.path}: outside the work tree`)
    }
    try {
      await mkdir(dirname(target), { recursive: true })
      // 'wx': never follow or overwrite something already in the work tree.
      await writeFile(target, f.content, { flag: 'wx' })
      await chmod(target, f.mode)
    } catch (err) {
      throw new BundleError(
        `${f.path}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`
      )
    }
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
