/**
 * `argocd` hooks: an argocd-notifications `webhook` service (argoproj/argo-cd docs/operator-
 * manual/notifications/services/webhook.md). That service signs nothing: it sends the headers
 * its config lists, so the hook's secret travels as `Authorization: Bearer <secret>` (from
 * argocd-notifications-secret) and is compared in constant time. The body is the template's:
 * the one ordeal documents (README, "Continuous chaos") renders
 *
 *   {"app": "<name>", "namespace": "<destination>", "revision": "<syncResult.revision>",
 *    "syncStatus": "Synced", "healthStatus": "Healthy", "phase": "Succeeded",
 *    "finishedAt": "<operationState.finishedAt>"}
 *
 * and a template that sends the whole Application (`{"app": {{toJson .app}}}`) is read too.
 * Fields: `app`, `namespace`, `revision`, `syncStatus`, `healthStatus`, `phase`, `status`
 * (= phase, else syncStatus), `finishedAt`, `payload`.
 *
 * The service config's headers are static, so the delivery id is `X-Ordeal-Delivery` when a
 * sender sets one, else the SHA-256 of the body (a sync's body differs by its revision and
 * finishedAt). A `finishedAt` more than an hour old is stale (Argo CD's on-deployed fires when
 * the sync has just finished).
 * @module
 */
import { secretMatches, sha256Hex } from '../signature.js'
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

export const ARGOCD_STALE_MS = 60 * 60_000

export const receiveArgocd: Receiver = ({ hookName, secret, headers, body, now }) => {
  const deliveryId = deliveryIdOf(header(headers, 'x-ordeal-delivery')) ?? sha256Hex(body)
  const authorization = header(headers, 'authorization')
  if (authorization === undefined) {
    return rejected(401, 'missing Authorization: Bearer <the hook secret>', deliveryId)
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? ''
  if (!secretMatches(bearer, secret)) {
    return rejected(401, 'the Authorization header does not carry the hook secret', deliveryId)
  }
  const payload = jsonObject(body)
  if (typeof payload === 'string') {
    return rejected(400, payload, deliveryId)
  }
  const fields = argoFields(payload)
  if (fields.app === undefined || fields.app === '') {
    return rejected(400, "body.app: missing (the Argo CD application's name)", deliveryId)
  }
  const finished = Date.parse(fields.finishedAt ?? '')
  const stale = Number.isNaN(finished) ? undefined : staleness(finished, now, ARGOCD_STALE_MS)
  if (stale !== undefined) {
    return rejected(400, stale, deliveryId)
  }
  const status = fields.phase || fields.syncStatus
  const defined = Object.fromEntries(
    Object.entries({ ...fields, status }).filter(([, v]) => v !== undefined && v !== '')
  )
  return {
    outcome: 'event',
    deliveryId,
    // Argo CD signs nothing: whoever could resend a captured request holds the bearer secret
    // and could forge any body, so the sender's id (or the body's hash) is the key.
    replayKey: deliveryId,
    event: {
      source: 'argocd',
      hook: hookName,
      app: fields.app,
      fields: { ...defined, payload },
      summary: `argocd: app ${fields.app} ${status ?? 'synced'} at ${short(fields.revision)}${
        fields.healthStatus ? ` (${fields.healthStatus})` : ''
      }`,
    },
  }
}

interface ArgoFields {
  app?: string | undefined
  namespace?: string | undefined
  revision?: string | undefined
  syncStatus?: string | undefined
  healthStatus?: string | undefined
  phase?: string | undefined
  finishedAt?: string | undefined
}

function argoFields(payload: Record<string, unknown>): ArgoFields {
  const app = payload['app']
  if (app !== null && typeof app === 'object') {
    // The whole Application resource (`{{toJson .app}}`).
    const metadata = object(object(app)['metadata'])
    const spec = object(object(app)['spec'])
    const status = object(object(app)['status'])
    const operation = object(status['operationState'])
    return {
      app: text(metadata['name']),
      namespace: text(object(spec['destination'])['namespace']),
      revision:
        text(object(operation['syncResult'])['revision']) ??
        text(object(status['sync'])['revision']),
      syncStatus: text(object(status['sync'])['status']),
      healthStatus: text(object(status['health'])['status']),
      phase: text(operation['phase']),
      finishedAt: text(operation['finishedAt']),
    }
  }
  return {
    app: text(app),
    namespace: text(payload['namespace']),
    revision: text(payload['revision']),
    syncStatus: text(payload['syncStatus']),
    healthStatus: text(payload['healthStatus']),
    phase: text(payload['phase']),
    finishedAt: text(payload['finishedAt']),
  }
}
