/**
 * A source's bare mirror (`<dataDir>/git/<id>`): fetched with a forced refspec (a force-push
 * replaces the branch, it never fails the sync), then the manifests at the branch's commit
 * are listed with `ls-tree` and read in ONE `cat-file --batch` (one process for 1,000 files,
 * not 1,000 processes). No working tree is ever checked out.
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { GitError, runGit } from './run-git.js'
import type { GitAccess } from './access.js'

export interface ManifestFile {
  /** Path inside the repository. */
  path: string
  blob: string
  yaml: string
}

export interface MirrorCall {
  access: GitAccess
  signal?: AbortSignal
}

const call = (m: MirrorCall, cwd: string, extra: { input?: string; timeoutMs?: number } = {}) => ({
  cwd,
  env: m.access.env,
  secrets: m.access.secrets,
  ...(m.signal !== undefined ? { signal: m.signal } : {}),
  ...extra,
})

/** Fetches the branch into the mirror and answers its commit. */
export async function fetchBranch(
  dir: string,
  url: string,
  branch: string,
  m: MirrorCall
): Promise<string> {
  if (!existsSync(path.join(dir, 'HEAD'))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    await runGit(['init', '--quiet', '--bare', dir], call(m, dir))
  }
  const ref = `refs/heads/${branch}`
  await runGit(
    [
      // A redirect is never followed: git would send the token to whatever host it names.
      '-c',
      'http.followRedirects=false',
      'fetch',
      '--quiet',
      '--force',
      '--no-tags',
      '--no-write-fetch-head',
      '--',
      url,
      `+${ref}:${ref}`,
    ],
    call(m, dir)
  )
  // Force-pushes leave unreachable objects behind: git packs and prunes them when its own
  // thresholds say so (usually a no-op that costs a stat). Never fails the sync.
  await runGit(['-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], call(m, dir)).catch(
    () => undefined
  )
  const sha = (await runGit(['rev-parse', '--verify', `${ref}^{commit}`], call(m, dir)))
    .toString('utf8')
    .trim()
  if (!/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new GitError(`git rev-parse: unexpected answer for ${ref}`)
  }
  return sha
}

const MANIFEST = /\.ya?ml$/i

/** The `*.yaml|*.yml` blobs under `folder` (`` for the whole tree) at `commit`, by path. */
export async function listManifests(
  dir: string,
  commit: string,
  folder: string,
  m: MirrorCall
): Promise<{ path: string; blob: string }[]> {
  const out = await runGit(
    ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(folder === '' ? [] : [folder])],
    call(m, dir)
  )
  const files: { path: string; blob: string }[] = []
  for (const entry of out.toString('utf8').split('\0')) {
    // `<mode> SP <type> SP <object> TAB <path>`
    const tab = entry.indexOf('\t')
    if (tab < 0) {
      continue
    }
    const [, type, blob] = entry.slice(0, tab).split(' ')
    const file = entry.slice(tab + 1)
    if (type === 'blob' && blob !== undefined && MANIFEST.test(file)) {
      files.push({ path: file, blob })
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/**
 * Reads every blob in one `git cat-file --batch`, after one `--batch-check` of their sizes:
 * a blob larger than `maxBytes` is never read (anyone who can push could make one sync
 * buffer hundreds of MiB); it is answered in `tooLarge` with its size instead.
 */
export async function readBlobs(
  dir: string,
  files: readonly { path: string; blob: string }[],
  m: MirrorCall,
  maxBytes = Number.POSITIVE_INFINITY
): Promise<{ files: ManifestFile[]; tooLarge: { path: string; bytes: number }[] }> {
  if (files.length === 0) {
    return { files: [], tooLarge: [] }
  }
  const unique = [...new Set(files.map((f) => f.blob))]
  const sizes = new Map<string, number>()
  const checked = await runGit(
    ['cat-file', '--batch-check'],
    call(m, dir, { input: `${unique.join('\n')}\n` })
  )
  for (const line of checked.toString('utf8').split('\n')) {
    // `<sha> blob <size>`
    const [sha, type, size] = line.split(' ')
    if (sha !== undefined && type === 'blob' && size !== undefined) {
      sizes.set(sha, Number(size))
    }
  }
  const small = unique.filter((b) => {
    const size = sizes.get(b)
    if (size === undefined) {
      throw new GitError(`git cat-file: unexpected answer for ${b}`)
    }
    return size <= maxBytes
  })
  const contents = new Map<string, string>()
  if (small.length > 0) {
    const out = await runGit(
      ['cat-file', '--batch'],
      call(m, dir, { input: `${small.join('\n')}\n` })
    )
    let at = 0
    for (const blob of small) {
      // `<sha> blob <size>\n<content>\n`
      const eol = out.indexOf(0x0a, at)
      const header = out.subarray(at, eol).toString('utf8').split(' ')
      if (header[0] !== blob || header[1] !== 'blob') {
        throw new GitError(`git cat-file: unexpected answer for ${blob}`)
      }
      const size = Number(header[2])
      contents.set(blob, out.subarray(eol + 1, eol + 1 + size).toString('utf8'))
      at = eol + 1 + size + 1
    }
  }
  const read: ManifestFile[] = []
  const tooLarge: { path: string; bytes: number }[] = []
  for (const f of files) {
    const yaml = contents.get(f.blob)
    if (yaml === undefined) {
      tooLarge.push({ path: f.path, bytes: sizes.get(f.blob)! })
    } else {
      read.push({ ...f, yaml })
    }
  }
  return { files: read, tooLarge }
}
