/**
 * Git sources (issue 16 §2): a repository folder whose manifests the server keeps as
 * experiments. Adding or removing one is an owner's act (it holds a credential); syncing now
 * is an editor's; the push webhook carries no token but the source's signature.
 * @module
 */
import { z } from 'zod'
import { actorOf } from '../auth/actor.js'
import { idParams } from '../api/schemas.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import {
  createdGitSourceSchema,
  gitSourceDetailSchema,
  gitSourceInfoSchema,
  gitSyncInfoSchema,
  newGitSourceBody,
} from './git-source-schemas.js'

/**
 * A push event worth syncing for is a few KiB, and this route is public: an unauthenticated
 * caller must not make the server buffer megabytes before the signature is checked. (A larger
 * push is refused 413; the poll picks the commit up.)
 */
const WEBHOOK_BODY_LIMIT = 256 * 1024

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

export const gitSourceRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/git-sources',
    access: 'viewer',
    tag: 'git-sources',
    summary: 'Git sources with their last sync (never a token, key or webhook secret)',
    response: z.array(gitSourceInfoSchema),
    handler: ({ ctx }) => ctx.gitSources.list(),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/git-sources',
    access: 'owner',
    tag: 'git-sources',
    summary:
      'Connect a repository folder (HTTPS token or SSH deploy key, stored and never shown again); answers at once with the webhook URL and secret (shown once only), the first sync runs in the background (lastSync absent until it ends)',
    body: newGitSourceBody,
    response: createdGitSourceSchema,
    status: 201,
    handler: ({ body, ctx, caller }) => ctx.gitSources.create(body, actorOf(caller!)),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/git-sources/:id',
    access: 'viewer',
    tag: 'git-sources',
    summary: 'One git source, with the manifests that did not load (file, line, field)',
    params: idParams,
    response: gitSourceDetailSchema,
    async handler({ params, ctx }) {
      const source = await ctx.gitSources.get(params.id)
      if (source === undefined) {
        throw notFound(`git source ${params.id}`)
      }
      return source
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/git-sources/:id',
    access: 'owner',
    tag: 'git-sources',
    summary: 'Stop managing: the experiments stay, editable again',
    params: idParams,
    status: 204,
    async handler({ params, ctx }) {
      if (!(await ctx.gitSources.remove(params.id))) {
        throw notFound(`git source ${params.id}`)
      }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/git-sources/:id/sync',
    access: 'editor',
    tag: 'git-sources',
    summary:
      'Sync now and answer its outcome (during a running sync: one more sync after it, shared by every request made meanwhile)',
    params: idParams,
    response: gitSyncInfoSchema,
    async handler({ params, ctx }) {
      const result = await ctx.gitSources.sync(params.id, 'requested')
      if (result === undefined) {
        throw notFound(`git source ${params.id}`)
      }
      return result
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/git-sources/:id/webhook',
    access: 'public',
    tag: 'git-sources',
    summary:
      "A push webhook (GitHub, Gitea: X-Hub-Signature-256 of the body with the source's secret; GitLab: X-Gitlab-Token): 202 and a sync",
    params: idParams,
    rawBody: true,
    bodyLimit: WEBHOOK_BODY_LIMIT,
    status: 202,
    response: z.object({ accepted: z.boolean() }),
    async handler({ params, ctx, request }) {
      // Any content type arrives as bytes (GitHub's form-encoded pushes too): the HMAC is over them.
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const signature = header(request.headers['x-hub-signature-256'])
      const gitlab = header(request.headers['x-gitlab-token'])
      if (signature === undefined && gitlab === undefined) {
        throw new HttpError(401, 'unauthorized', 'missing X-Hub-Signature-256 (or X-Gitlab-Token)')
      }
      // An unknown source and a wrong signature get the same answer: ids are not probed.
      if (!(await ctx.gitSources.verifyWebhook(params.id, body, signature, gitlab))) {
        throw new HttpError(401, 'unauthorized', 'webhook signature does not match this git source')
      }
      return { accepted: true }
    },
  }),
]
