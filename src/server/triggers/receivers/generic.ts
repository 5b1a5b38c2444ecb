/**
 * `generic` hooks: ordeal's own signed webhook, for any sender that can compute an HMAC (a CI
 * job, a deploy script). Modelled on GitHub's X-Hub-Signature-256 and Stripe's timestamped
 * signatures (the timestamp is signed, so an old request cannot be re-dated):
 *
 *   X-Ordeal-Timestamp: <unix seconds>
 *   X-Ordeal-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-Ordeal-Delivery: <optional: an id shown in the delivery history, e.g. a UUID>
 *
 * The body is a JSON object; its fields become the event's fields (`app`, `revision`, `status`
 * or anything else conditions read), and the whole body is `payload`. A timestamp more than
 * 5 minutes from the server's clock is stale. The replay key is SHA-256 of the signed string
 * ("<timestamp>.<body>"): the same signed request sent again is a replay whatever
 * X-Ordeal-Delivery says (that header is not signed, so it is only a label).
 * @module
 */
import { createHash } from 'node:crypto'
import { hmacHex, signatureMatches } from '../signature.js'
import {
  deliveryIdOf,
  header,
  jsonObject,
  rejected,
  short,
  staleness,
  text,
  type Receiver,
} from './reception.js'

export const GENERIC_STALE_MS = 5 * 60_000

export const receiveGeneric: Receiver = ({ hookName, secret, headers, body, now }) => {
  const claimed = header(headers, 'x-ordeal-delivery') ?? ''
  const signature = header(headers, 'x-ordeal-signature-256')
  if (signature === undefined) {
    return rejected(401, 'missing X-Ordeal-Signature-256', claimed)
  }
  const timestamp = header(headers, 'x-ordeal-timestamp')
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp.trim())) {
    return rejected(400, 'X-Ordeal-Timestamp must be unix seconds', claimed)
  }
  if (!signatureMatches(signature, hmacHex(secret, `${timestamp.trim()}.`, body))) {
    return rejected(401, 'X-Ordeal-Signature-256 does not match the body and timestamp', claimed)
  }
  const stale = staleness(Number(timestamp) * 1000, now, GENERIC_STALE_MS)
  if (stale !== undefined) {
    return rejected(400, stale, claimed)
  }
  const replayKey = createHash('sha256').update(`${timestamp.trim()}.`).update(body).digest('hex')
  if (claimed !== '' && deliveryIdOf(claimed) === undefined) {
    return rejected(400, 'X-Ordeal-Delivery must be printable text of at most 200 characters')
  }
  const deliveryId = deliveryIdOf(claimed) ?? replayKey.slice(0, 16)
  const payload = jsonObject(body)
  if (typeof payload === 'string') {
    return rejected(400, payload, deliveryId)
  }
  const app = text(payload['app'])
  const revision = text(payload['revision'])
  return {
    outcome: 'event',
    deliveryId,
    replayKey,
    event: {
      source: 'webhook',
      hook: hookName,
      ...(app !== undefined ? { app } : {}),
      fields: { ...payload, payload },
      summary:
        app !== undefined
          ? `webhook ${hookName}: ${app}${revision !== undefined ? ` at ${short(revision)}` : ''}`
          : `webhook ${hookName}: delivery ${deliveryId}`,
    },
  }
}
