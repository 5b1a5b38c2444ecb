/**
 * Signature and secret checks for hook deliveries, all in constant time: a timing difference
 * must not tell a sender how many leading characters of a signature or secret were right.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Hex HMAC-SHA256 of `data` with `secret`. */
export function hmacHex(secret: string, ...data: (string | Buffer)[]): string {
  const mac = createHmac('sha256', secret)
  for (const part of data) {
    mac.update(part)
  }
  return mac.digest('hex')
}

export const sha256Hex = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('hex')

/**
 * Whether `header` (`sha256=<hex>`, as GitHub's X-Hub-Signature-256 and Flux's X-Signature
 * write it) carries `expectedHex`. Both sides are hashed first, so the comparison takes the
 * same time whatever the length or content of what was sent.
 */
export function signatureMatches(header: string | undefined, expectedHex: string): boolean {
  if (header === undefined) {
    return false
  }
  const match = /^sha256=([0-9a-fA-F]+)$/.exec(header.trim())
  const given = match === null ? '' : match[1]!.toLowerCase()
  return secretMatches(given, expectedHex) && match !== null
}

/** Constant-time equality of two strings of any length (compared through their SHA-256). */
export function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest()
  )
}

/** A random hook id (128 bits: unguessable, as the URL is public) and a 256-bit secret. */
export const newHookId = (): string => `hk_${randomBytes(16).toString('hex')}`
export const newHookSecret = (): string => `ohs_${randomBytes(32).toString('hex')}`
