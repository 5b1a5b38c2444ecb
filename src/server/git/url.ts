/**
 * A git source's repository address: which forms are accepted, and the address with any
 * credentials removed (what is stored, logged and answered). The address reaches `git` as one
 * argv element after `--`-safe checks: it can never be read as an option or a helper transport.
 * @module
 */

/** https://, http://, ssh://, git://, file://, scp-like `git@host:path`, or an absolute path. */
const SCHEMES = ['https:', 'http:', 'ssh:', 'git:', 'file:']
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/

export type UrlKind = 'http' | 'ssh' | 'git' | 'local'

/** The kind of address, or a one-line reason it is refused. */
export function urlKind(url: string): UrlKind | { error: string } {
  if (url.length === 0 || url.length > 2048 || /[\s\0]/.test(url) || url.startsWith('-')) {
    return { error: 'url: a repository address without spaces, not starting with -' }
  }
  if (url.startsWith('/')) {
    return 'local'
  }
  if (SCP_LIKE.test(url)) {
    return 'ssh'
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return {
      error: 'url: not a repository address (https://, ssh://, git@host:path, git://, file://)',
    }
  }
  if (!SCHEMES.includes(parsed.protocol)) {
    return { error: `url: scheme ${parsed.protocol} is not one of ${SCHEMES.join(' ')}` }
  }
  if (parsed.protocol === 'file:') {
    return 'local'
  }
  return parsed.protocol === 'ssh:' ? 'ssh' : parsed.protocol === 'git:' ? 'git' : 'http'
}

/**
 * Whether a token may be sent to this http(s) address: always over https://; over plain
 * http:// only to a loopback host (the tests' `git http-backend`), never in clear on a network.
 */
export function tokenTransportOk(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol === 'https:') {
    return true
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  return (
    parsed.protocol === 'http:' &&
    (/^127(\.\d{1,3}){3}$/.test(host) || host === 'localhost' || host === '::1')
  )
}

/** The address without a password or token (`https://user:tok@host/r` → `https://host/r`). */
export function scrubUrl(url: string): string {
  if (!/^[a-z]+:\/\//i.test(url)) {
    return url
  }
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'ssh:') {
      // The user of an SSH address (git@) is not a secret and is needed to connect.
      parsed.password = ''
    } else {
      parsed.username = ''
      parsed.password = ''
    }
    return parsed.toString()
  } catch {
    return url
  }
}

/** The userinfo of an http(s) address, decoded (`https://user:secret@host`), if any. */
export function urlToken(url: string): { username?: string; password?: string } {
  if (!/^https?:\/\//i.test(url)) {
    return {}
  }
  try {
    const parsed = new URL(url)
    const username = decodeURIComponent(parsed.username)
    const password = decodeURIComponent(parsed.password)
    return {
      ...(username !== '' ? { username } : {}),
      ...(password !== '' ? { password } : {}),
    }
  } catch {
    return {}
  }
}

/** Removes any credentials that found their way into a line (git's own error messages). */
export function scrubLine(line: string, secrets: readonly string[]): string {
  let out = line.replace(/([a-z]+:\/\/)[^/\s@]*@/gi, '$1')
  for (const secret of secrets) {
    if (secret.length >= 4) {
      out = out.split(secret).join('***')
    }
  }
  return out
}

/** A branch name git would accept (check-ref-format rules, simplified and stricter). */
export function branchError(branch: string): string | undefined {
  return /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]{1,200}(?<![./])$/.test(branch) &&
    !branch.endsWith('.lock')
    ? undefined
    : `branch: '${branch}' is not a valid branch name`
}

/** The folder, normalised (`./exp/` → `exp`, `.` → ``); an error for absolute or `..` paths. */
export function normaliseFolder(folder: string): string | { error: string } {
  const parts = folder.split('/').filter((p) => p !== '' && p !== '.')
  if (folder.startsWith('/') || parts.some((p) => p === '..') || /[\0\n]/.test(folder)) {
    return { error: `folder: '${folder}' must be a relative path inside the repository` }
  }
  return parts.join('/')
}
