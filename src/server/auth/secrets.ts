/**
 * Token secrets: 32 random bytes, shown once, stored only as a SHA-256 hash. A hash lookup in
 * the store leaks nothing useful through timing (the attacker does not control the hash), and
 * where two secrets are compared directly, the comparison is constant-time.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** `ord_<base64url of 32 random bytes>`: recognisable in logs and secret scanners. */
export function newSecret(): string {
  return `ord_${randomBytes(32).toString('base64url')}`
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
