/**
 * `flux` hooks: a Flux notification-controller Provider of type `generic-hmac` whose Secret's
 * `token` is this hook's secret, and an Alert naming the objects to watch. Flux posts its
 * Event as JSON with `X-Signature: sha256=<hex HMAC-SHA256 of the body>` (fluxcd/notification-
 * controller docs/spec/v1beta3/providers.md, "Generic webhook with HMAC"; the Event in
 * events.md: involvedObject {kind, name, namespace}, severity, timestamp, message, reason,
 * metadata with `<group>/revision`, reportingController).
 *
 * - `app` = `<kind>/<name>` with the kind lowercased, as ordeal names workloads
 *   (`kustomization/webapp`, `helmrelease/orders`), `namespace`, `kind`, `name`;
 *   `revision` = the metadata's `…/revision` (`main@sha1:731f7ea…`); `status` = `reason`
 *   (`ReconciliationSucceeded`, `UpgradeSucceeded`, `InstallFailed`…); `severity`, `message`.
 * - Flux sends no delivery id: the delivery id is the SHA-256 of the body (the same event
 *   resent is a replay; Flux itself drops duplicates within 5 minutes). Its `timestamp` more
 *   than 15 minutes from the server's clock is stale (Flux retries for about 2 minutes).
 * @module
 */
import { hmacHex, sha256Hex, signatureMatches } from '../signature.js'
import {
  header,
  jsonObject,
  object,
  rejected,
  short,
  staleness,
  text,
  type Receiver,
} from './reception.js'

export const FLUX_STALE_MS = 15 * 60_000

export const receiveFlux: Receiver = ({ hookName, secret, headers, body, now }) => {
  const deliveryId = sha256Hex(body)
  const signature = header(headers, 'x-signature')
  if (signature === undefined) {
    return rejected(401, 'missing X-Signature (use a Provider of type generic-hmac)', deliveryId)
  }
  if (!signatureMatches(signature, hmacHex(secret, body))) {
    return rejected(401, 'X-Signature does not match the body', deliveryId)
  }
  const payload = jsonObject(body)
  if (typeof payload === 'string') {
    return rejected(400, payload, deliveryId)
  }
  const involved = object(payload['involvedObject'])
  const kind = text(involved['kind'])
  const name = text(involved['name'])
  if (kind === undefined || name === undefined) {
    return rejected(400, 'body.involvedObject: needs kind and name (a Flux Event)', deliveryId)
  }
  const at = Date.parse(text(payload['timestamp']) ?? '')
  if (Number.isNaN(at)) {
    return rejected(400, 'body.timestamp: must be an RFC 3339 time', deliveryId)
  }
  const stale = staleness(at, now, FLUX_STALE_MS)
  if (stale !== undefined) {
    return rejected(400, stale, deliveryId)
  }
  const metadata = object(payload['metadata'])
  const revisionKey = Object.keys(metadata).find((k) => k === 'revision' || k.endsWith('/revision'))
  const revision = revisionKey === undefined ? undefined : text(metadata[revisionKey])
  const namespace = text(involved['namespace'])
  const reason = text(payload['reason'])
  const app = `${kind.toLowerCase()}/${name}`
  return {
    outcome: 'event',
    deliveryId,
    replayKey: deliveryId,
    event: {
      source: 'flux',
      hook: hookName,
      app,
      fields: {
        app,
        kind,
        name,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(revision !== undefined ? { revision } : {}),
        ...(reason !== undefined ? { status: reason, reason } : {}),
        ...(text(payload['severity']) !== undefined ? { severity: payload['severity'] } : {}),
        ...(text(payload['message']) !== undefined ? { message: payload['message'] } : {}),
        payload,
      },
      summary: `flux: ${app}${namespace !== undefined ? ` in ${namespace}` : ''}: ${reason ?? '?'} at ${short(revision)}`,
    },
  }
}
