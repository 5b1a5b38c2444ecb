/**
 * `github` hooks: a repository (or organisation) webhook with this hook's secret, content type
 * `application/json`. GitHub signs the body: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`
 * (docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries), names the event
 * in `X-GitHub-Event` and the delivery in `X-GitHub-Delivery` (a GUID; a replay repeats it).
 *
 * - `ping` (sent when the webhook is created) is accepted and ignored.
 * - `deployment_status` is an event (docs.github.com/en/webhooks/webhook-events-and-payloads
 *   #deployment_status): `app` = the deployment's environment (`production`), `revision` =
 *   `deployment.sha`, `status` = `deployment_status.state` (pending, success, failure, error,
 *   inactive, in_progress, queued), plus `ref`, `repository` (owner/name) and `payload`.
 *   A trigger usually adds the condition `status EqualTo success`.
 * - any other event is ignored (subscribe the webhook to "Deployment statuses" only).
 *
 * GitHub sends no timestamp header, but the status carries its own time: one more than an
 * hour old is stale (a manual "Redeliver" of last week's deploy must not start a run), and a
 * status with no time at all is stale too (nothing bounds how long it could be replayed).
 * X-GitHub-Delivery is not signed, so it is only a label: the replay key is the SHA-256 of
 * the signed body (the same body resent under a new id is a replay).
 * @module
 */
import { hmacHex, sha256Hex, signatureMatches } from '../signature.js'
import {
  deliveryIdOf,
  header,
  jsonObject,
  object,
  rejected,
  short,
  staleness,
  text,
  type Receiver,
} from './reception.js'

export const GITHUB_STALE_MS = 60 * 60_000

export const receiveGithub: Receiver = ({ hookName, secret, headers, body, now }) => {
  const claimed = header(headers, 'x-github-delivery') ?? ''
  const signature = header(headers, 'x-hub-signature-256')
  if (signature === undefined) {
    return rejected(401, 'missing X-Hub-Signature-256 (set the webhook secret in GitHub)', claimed)
  }
  if (!signatureMatches(signature, hmacHex(secret, body))) {
    return rejected(401, 'X-Hub-Signature-256 does not match the body', claimed)
  }
  const deliveryId = deliveryIdOf(claimed)
  if (deliveryId === undefined) {
    return rejected(400, 'missing X-GitHub-Delivery')
  }
  const replayKey = sha256Hex(body)
  const kind = header(headers, 'x-github-event') ?? ''
  if (kind === 'ping') {
    return { outcome: 'ignored', reason: 'ping', deliveryId, replayKey }
  }
  if (kind !== 'deployment_status') {
    return {
      outcome: 'ignored',
      reason: `event ${kind.slice(0, 60) || '(none)'}: only deployment_status fires triggers`,
      deliveryId,
      replayKey,
    }
  }
  const payload = jsonObject(body)
  if (typeof payload === 'string') {
    return rejected(400, payload, deliveryId)
  }
  const status = object(payload['deployment_status'])
  const deployment = object(payload['deployment'])
  const state = text(status['state'])
  if (state === undefined) {
    return rejected(400, 'body.deployment_status.state: missing', deliveryId)
  }
  const at = Date.parse(text(status['updated_at']) ?? text(status['created_at']) ?? '')
  const stale = Number.isNaN(at)
    ? 'stale: deployment_status has no updated_at or created_at'
    : staleness(at, now, GITHUB_STALE_MS)
  if (stale !== undefined) {
    return rejected(400, stale, deliveryId)
  }
  const environment = text(status['environment']) ?? text(deployment['environment'])
  const revision = text(deployment['sha'])
  const ref = text(deployment['ref'])
  const repository = text(object(payload['repository'])['full_name'])
  return {
    outcome: 'event',
    deliveryId,
    replayKey,
    event: {
      source: 'github',
      hook: hookName,
      ...(environment !== undefined ? { app: environment } : {}),
      fields: {
        ...(environment !== undefined ? { app: environment, environment } : {}),
        ...(revision !== undefined ? { revision } : {}),
        status: state,
        ...(ref !== undefined ? { ref } : {}),
        ...(repository !== undefined ? { repository } : {}),
        payload,
      },
      summary: `github: ${repository ?? 'deployment'} ${short(revision)} to ${environment ?? '?'}: ${state}`,
    },
  }
}
