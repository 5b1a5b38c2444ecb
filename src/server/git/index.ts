/**
 * The git sources service (`ctx.gitSources`, contract.ts): sources stored with their
 * credential (never answered, logged or put in argv), each synced once at start, then every
 * pollSeconds on the injected clock, on `POST …/sync` and on a signed push webhook. One sync
 * at a time per source: requests made during one share a single follow-up sync.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import path from 'node:path'
import type { ContinuousDeps } from '../continuous/deps.js'
import type { Timer } from '../continuous/clock.js'
import type { GitSources } from './contract.js'
import type {
  CreatedGitSource,
  GitSourceInfo,
  GitSyncInfo,
  NewGitSource,
} from '../../shared/continuous.js'
import { HttpError } from '../http/route.js'
import { newId } from '../auth/secrets.js'
import { experimentNameSchema } from '../api/names.js'
import { MAX_MANIFEST_BYTES } from '../api/manifest.js'
import { accessFor, gitRoot, type Credential } from './access.js'
import { fetchBranch, listManifests, readBlobs } from './mirror.js'
import { applyManifests, failedSync } from './sync.js'
import { checkWebhook } from './webhook.js'
import {
  branchError,
  normaliseFolder,
  scrubLine,
  scrubUrl,
  tokenTransportOk,
  urlKind,
  urlToken,
} from './url.js'
import { insideDataDir } from './local-path.js'
import {
  deleteSource,
  getSourceRow,
  insertSource,
  listInvalid,
  listSourceRows,
  managedNames,
  setLastSync,
  type SourceRow,
} from './sources-sql.js'

export const DEFAULT_POLL_SECONDS = 120
export const MIN_POLL_SECONDS = 10

export interface GitSourcesOptions {
  /** Mirrors, keys and the askpass script live under `<dataDir>/git`. */
  dataDir: string
}

export function createGitSources(deps: ContinuousDeps, options: GitSourcesOptions): GitSources {
  const running = new Map<string, Promise<GitSyncInfo | undefined>>()
  /** The one sync that starts when the running one ends (requests made during it). */
  const followUps = new Map<string, Promise<GitSyncInfo | undefined>>()
  /** Each source's last known poll interval: re-armed with it when its row cannot be read. */
  const pollOf = new Map<string, number>()
  /** Sources being removed: no sync starts for them (a poll or webhook racing the DELETE). */
  const removed = new Set<string>()
  const timers = new Map<string, Timer>()
  const abort = new AbortController()
  let stopped = false
  const iso = () => new Date(deps.clock.now()).toISOString()
  const log = (line: string) => deps.ctx.log(line)

  const info = (row: SourceRow, names: string[]): GitSourceInfo => ({
    id: row.id,
    name: row.name,
    url: row.url,
    branch: row.branch,
    folder: row.folder === '' ? '.' : row.folder,
    auth: row.auth,
    pollSeconds: Number(row.poll_seconds),
    createdAt: row.created_at,
    createdByName: row.created_by_name,
    experiments: names,
    ...(row.last_sync !== null ? { lastSync: JSON.parse(row.last_sync) as GitSyncInfo } : {}),
  })

  const credentialOf = (row: SourceRow): Credential | undefined =>
    row.credential === null ? undefined : (JSON.parse(row.credential) as Credential)

  async function syncOnce(row: SourceRow, reason: string): Promise<GitSyncInfo> {
    const started = deps.clock.now()
    const wall = Date.now()
    const at = new Date(started).toISOString()
    const credential = credentialOf(row)
    const access = accessFor(options.dataDir, row.id, credential)
    const mirror = { access, signal: abort.signal }
    const dir = path.join(gitRoot(options.dataDir), row.id)
    let result: GitSyncInfo
    let phases = ''
    try {
      // Checked again at each sync: a symlink made since the source was added.
      if (urlKind(row.url) === 'local' && insideDataDir(row.url, options.dataDir)) {
        throw new Error("a local path inside the server's data directory is refused")
      }
      const commit = await fetchBranch(dir, row.url, row.branch, mirror)
      const fetched = Date.now()
      const listed = await listManifests(dir, commit, row.folder, mirror)
      const { files, tooLarge } = await readBlobs(dir, listed, mirror, MAX_MANIFEST_BYTES)
      const read = Date.now()
      const unread = tooLarge.map((f) => ({
        path: f.path,
        message: `${Math.ceil(f.bytes / 1024)} KiB, larger than the limit of ${MAX_MANIFEST_BYTES / 1024} KiB for a manifest (not read)`,
      }))
      const counts = await applyManifests(deps.ctx, row, commit, files, iso, unread)
      result = { at, ok: true, commit, ...counts, durationMs: Date.now() - wall }
      // Where the time went, for the log line: fetch, read (ls-tree + cat-file), apply.
      phases = ` (fetch ${fetched - wall} ms, read ${read - fetched} ms, apply ${Date.now() - read} ms)`
    } catch (error) {
      const line = scrubLine(
        (error instanceof Error ? error.message : String(error)).split('\n')[0]!,
        access.secrets
      )
      result = failedSync(at, line, Date.now() - wall)
    }
    if ((stopped || removed.has(row.id)) && !result.ok) {
      return result
    }
    await setLastSync(deps.ctx.store.sql, row.id, result)
    log(
      result.ok
        ? `git source ${row.name}: synced ${result.commit!.slice(0, 12)} (${reason}): ${result.created} created, ${result.updated} updated, ${result.deleted} deleted, ${result.unchanged} unchanged, ${result.invalid.length} invalid in ${result.durationMs} ms${phases}`
        : `git source ${row.name}: sync failed (${reason}): ${result.error}`
    )
    return result
  }

  /**
   * One sync at a time per source. A request arriving during one (a push webhook, a poll, a
   * click) gets ONE follow-up sync that starts when the running one ends: the running sync may
   * have fetched before the push, so joining it would leave the pushed commit for the next
   * poll. Never rejects: a failure (the store down) is logged and recorded where it can be,
   * and the poll is re-armed whatever happened.
   */
  function sync(id: string, reason: string): Promise<GitSyncInfo | undefined> {
    if (removed.has(id) || stopped) {
      return Promise.resolve(undefined)
    }
    const current = running.get(id)
    if (current !== undefined) {
      let follow = followUps.get(id)
      if (follow === undefined) {
        follow = current.then(() => {
          followUps.delete(id)
          return sync(id, reason)
        })
        followUps.set(id, follow)
      }
      return follow
    }
    const next = (async () => {
      let pollSeconds = pollOf.get(id) ?? DEFAULT_POLL_SECONDS
      let found = true
      try {
        const row = await getSourceRow(deps.ctx.store.sql, id)
        if (row === undefined || stopped || removed.has(id)) {
          found = row !== undefined
          return undefined
        }
        pollSeconds = Number(row.poll_seconds)
        pollOf.set(id, pollSeconds)
        return await syncOnce(row, reason)
      } catch (error) {
        const line = (error instanceof Error ? error.message : String(error)).split('\n')[0]!
        log(`git source ${id}: sync failed (${reason}): ${line}`)
        return failedSync(iso(), line, 0)
      } finally {
        running.delete(id)
        if (found && !removed.has(id)) {
          arm(id, pollSeconds)
        }
      }
    })()
    running.set(id, next)
    return next
  }

  /** The next poll, pollSeconds after the last sync ended (whatever started it). */
  function arm(id: string, pollSeconds: number) {
    timers.get(id)?.cancel()
    timers.delete(id)
    if (stopped) {
      return
    }
    timers.set(
      id,
      deps.clock.timer(pollSeconds * 1000, () => {
        timers.delete(id)
        void sync(id, 'poll')
      })
    )
  }

  return {
    async start() {
      for (const row of await listSourceRows(deps.ctx.store.sql)) {
        // Not awaited: an unreachable repository must not hold the server's start. (sync never
        // rejects.)
        pollOf.set(row.id, Number(row.poll_seconds))
        void sync(row.id, 'start')
      }
    },
    async list() {
      const names = await managedNames(deps.ctx.store.sql)
      return (await listSourceRows(deps.ctx.store.sql)).map((r) => info(r, names.get(r.id) ?? []))
    },
    async get(id) {
      const row = await getSourceRow(deps.ctx.store.sql, id)
      if (row === undefined) {
        return undefined
      }
      const names = await managedNames(deps.ctx.store.sql)
      return {
        ...info(row, names.get(id) ?? []),
        invalid: await listInvalid(deps.ctx.store.sql, id),
      }
    },
    async create(source, by) {
      const row = newSourceRow(source, by, iso(), options.dataDir)
      if (!(await insertSource(deps.ctx.store.sql, row))) {
        throw new HttpError(409, 'conflict', `git source ${row.name} already exists`)
      }
      log(
        `git source ${row.name} added by ${by.name}: ${row.url} ${row.branch} ${row.folder || '.'}`
      )
      // The first sync runs in the background: the answer, the only one holding the webhook
      // secret, must not wait for an unreachable host (up to git's timeout). lastSync is absent
      // until it ends; GET /api/git-sources/:id shows it then.
      pollOf.set(row.id, row.poll_seconds)
      void sync(row.id, 'created')
      const created: CreatedGitSource = {
        ...info({ ...row, last_sync: null }, []),
        webhookUrl: `${deps.ctx.baseUrl()}/api/git-sources/${row.id}/webhook`,
        webhookSecret: row.webhook_secret,
      }
      return created
    },
    async remove(id) {
      // Marked first: a poll or webhook arriving while the running sync ends starts nothing,
      // so nothing applies manifests for a deleted source or fetches its mirror back.
      const already = removed.has(id)
      removed.add(id)
      timers.get(id)?.cancel()
      timers.delete(id)
      try {
        await followUps.get(id)
        await running.get(id)
        const row = await getSourceRow(deps.ctx.store.sql, id)
        if (row === undefined || !(await deleteSource(deps.ctx.store.sql, id))) {
          if (!already) {
            removed.delete(id)
          }
          return false
        }
        pollOf.delete(id)
        // The mirror and the key go with it; its experiments stay, no longer read-only.
        const root = gitRoot(options.dataDir)
        rmSync(path.join(root, id), { recursive: true, force: true })
        rmSync(path.join(root, 'keys', id), { force: true })
        log(`git source ${row.name} removed: its experiments stay and are editable`)
        return true
      } catch (error) {
        if (!already) {
          removed.delete(id)
          void sync(id, 'poll')
        }
        throw error
      }
    },
    sync,
    async verifyWebhook(id, body, signature, gitlabToken) {
      const row = await getSourceRow(deps.ctx.store.sql, id)
      if (
        row === undefined ||
        !checkWebhook(row.webhook_secret, body, {
          ...(signature !== undefined ? { signature } : {}),
          ...(gitlabToken !== undefined ? { gitlabToken } : {}),
        })
      ) {
        return false
      }
      void sync(id, 'webhook')
      return true
    },
    async idle(id) {
      for (;;) {
        const pending = followUps.get(id) ?? running.get(id)
        if (pending === undefined) {
          return
        }
        await pending
      }
    },
    async stop() {
      stopped = true
      for (const timer of timers.values()) {
        timer.cancel()
      }
      timers.clear()
      // A fetch in flight is killed rather than waited for (it may take minutes to time out).
      abort.abort()
      await Promise.allSettled([...running.values(), ...followUps.values()])
    },
  }
}

/** The stored row of a new source, validated: a 400 naming the field otherwise. */
function newSourceRow(
  source: NewGitSource,
  by: { id: string; name: string },
  now: string,
  dataDir: string
): SourceRow {
  const bad = (message: string) => new HttpError(400, 'validation', message)
  const name = experimentNameSchema.safeParse(source.name)
  if (!name.success) {
    throw bad(`body.name: ${name.error.issues[0]!.message}`)
  }
  const kind = urlKind(source.url)
  if (typeof kind !== 'string') {
    throw bad(`body.${kind.error}`)
  }
  if (kind === 'local' && insideDataDir(source.url, dataDir)) {
    throw bad("body.url: a local path inside the server's data directory is refused")
  }
  const branch = source.branch ?? 'main'
  const branchWhy = branchError(branch)
  if (branchWhy !== undefined) {
    throw bad(`body.${branchWhy}`)
  }
  const folder = normaliseFolder(source.folder ?? '.')
  if (typeof folder !== 'string') {
    throw bad(`body.${folder.error}`)
  }
  const pollSeconds = source.pollSeconds ?? DEFAULT_POLL_SECONDS
  if (!Number.isInteger(pollSeconds) || pollSeconds < MIN_POLL_SECONDS) {
    throw bad(`body.pollSeconds: at least ${MIN_POLL_SECONDS}`)
  }
  if (source.token !== undefined && source.sshKey !== undefined) {
    throw bad('body.token: give a token or an sshKey, not both')
  }
  const inUrl = urlToken(source.url)
  // A token given apart keeps a user name written in the URL (`https://oauth2@host/…`); a URL
  // holding only a user name and no password had a token as its user name (GitHub's form).
  const token = source.token ?? inUrl.password ?? inUrl.username
  const username =
    source.token !== undefined || inUrl.password !== undefined ? inUrl.username : undefined
  let credential: Credential | undefined
  if (token !== undefined) {
    if (kind !== 'http') {
      throw bad('body.token: a token is for an https:// repository')
    }
    if (!tokenTransportOk(source.url)) {
      throw bad('body.url: a token is sent only over https:// (plain http:// only on loopback)')
    }
    credential = { kind: 'token', token, ...(username !== undefined ? { username } : {}) }
  } else if (source.sshKey !== undefined) {
    if (kind !== 'ssh') {
      throw bad('body.sshKey: a deploy key is for an ssh:// or git@host:path repository')
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(source.sshKey)) {
      throw bad('body.sshKey: not a private key (PEM or OpenSSH)')
    }
    credential = { kind: 'ssh-key', key: source.sshKey }
  }
  return {
    id: newId('git'),
    name: name.data,
    url: scrubUrl(source.url),
    branch,
    folder,
    auth: credential === undefined ? 'none' : credential.kind,
    credential: credential === undefined ? null : JSON.stringify(credential),
    webhook_secret: randomBytes(24).toString('base64url'),
    poll_seconds: pollSeconds,
    created_at: now,
    created_by: by.id,
    created_by_name: by.name,
    last_sync: null,
  }
}
