/**
 * A push webhook's proof that it comes from the repository's host: GitHub and Gitea sign the
 * raw body (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>` with the secret); GitLab sends the
 * secret itself (`X-Gitlab-Token`). Both compared in constant time.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface WebhookProof {
  /** `X-Hub-Signature-256`. */
  signature?: string
  /** `X-Gitlab-Token`. */
  gitlabToken?: string
}

export function webhookSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

const equal = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  // Lengths are not secret (a HMAC's is fixed); timingSafeEqual needs equal lengths.
  return x.length === y.length && timingSafeEqual(x, y)
}

export function checkWebhook(secret: string, body: Buffer, proof: WebhookProof): boolean {
  if (proof.signature !== undefined) {
    return equal(proof.signature.trim().toLowerCase(), webhookSignature(secret, body))
  }
  if (proof.gitlabToken !== undefined) {
    return equal(proof.gitlabToken, secret)
  }
  return false
}
