/**
 * Git sources (issue 16 §2): a repository and a folder whose ordeal manifests the server keeps
 * in sync (create, update, delete experiments), polled and on a webhook. Uses the `git` binary.
 * Routes reach it as `ctx.gitSources`.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import type {
  CreatedGitSource,
  GitManifestError,
  GitSourceInfo,
  GitSyncInfo,
  NewGitSource,
} from '../../shared/continuous.js'

export interface GitSources {
  /** Arms the polls (and syncs each source once). */
  start(): Promise<void>
  list(): Promise<GitSourceInfo[]>
  get(id: string): Promise<(GitSourceInfo & { invalid: GitManifestError[] }) | undefined>
  /**
   * Validates, stores (credentials kept out of every answer and log), and answers at once:
   * the first sync runs in the background (lastSync absent).
   */
  create(source: NewGitSource, by: Actor): Promise<CreatedGitSource>
  /** Stops managing; its experiments stay, no longer read-only. False when unknown. */
  remove(id: string): Promise<boolean>
  /**
   * Syncs now. One sync at a time per source: calls made during a running sync share one
   * follow-up sync that starts when it ends. Never rejects; undefined for an unknown source.
   */
  sync(id: string, reason: string): Promise<GitSyncInfo | undefined>
  /**
   * Checks a push webhook against the source's secret (`X-Hub-Signature-256` of the raw body,
   * or GitLab's `X-Gitlab-Token`); then starts a sync (not awaited). False: unknown or refused.
   */
  verifyWebhook(
    id: string,
    body: Buffer,
    signature: string | undefined,
    gitlabToken?: string
  ): Promise<boolean>
  /** Resolves once no sync of this source is running or waiting (its first sync, in tests). */
  idle(id: string): Promise<void>
  stop(): Promise<void>
}
