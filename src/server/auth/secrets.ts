/**
 * Token secrets: 32 random bytes, shown once, stored only as a SHA-256 hash. A hash lookup in
 * the store leaks nothing useful through timing (the attacker does not control the hash), and
 * where two secrets are compared directly, the comparison is constant-time.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { SECRET_PREFIX } from '../../shared/api.js'

/**
 * The two kinds of secret, told apart by their prefix before any lookup: a one-time login
 * code (`ordl_login_…`) is only ever exchanged at login, and an API or session token
 * (`ordl_tok_…`) is only ever a bearer token. Opening `/login?code=<someone's API token>` in
 * a signed-in browser replaced its session (issue 12): a token is never a login code now.
 * The store marks codes `oneTime` as well, so neither check alone decides.
 */
export { SECRET_PREFIX }
export type SecretKind = keyof typeof SECRET_PREFIX

/** Tokens of earlier versions (`ord_…`): still bearer tokens until they expire or are revoked. */
const LEGACY_TOKEN_PREFIX = 'ord_'

/** `<prefix><base64url of 32 random bytes>`: recognisable in logs and secret scanners. */
export function newSecret(kind: SecretKind): string {
  return `${SECRET_PREFIX[kind]}${randomBytes(32).toString('base64url')}`
}

/** The kind a secret claims by its prefix; undefined for anything else. */
export function secretKind(secret: string): SecretKind | undefined {
  if (secret.startsWith(SECRET_PREFIX.login)) {
    return 'login'
  }
  if (secret.startsWith(SECRET_PREFIX.token) || secret.startsWith(LEGACY_TOKEN_PREFIX)) {
    return 'token'
  }
  return undefined
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Constant-time equality of two secrets (or hashes) of any length. */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest()
  const y = createHash('sha256').update(b).digest()
  return timingSafeEqual(x, y)
}

/** Opaque ids for users and tokens: `usr_…`, `tok_…`, `exp_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`
}
