/**
 * What of a receiver's refusal may be kept as a delivery's `lastError`, which viewers read,
 * the UI shows and the log prints. The target's URL is a secret (a Slack webhook's path), and
 * receivers echo it: Express's default 404 is `Cannot POST /services/T0/B0/<secret>`. So the
 * body is kept only when it is a short plain answer (Slack's `invalid_payload`, `no_service`,
 * `slow down`) sharing no piece with the URL's path, query or userinfo, raw or decoded;
 * anything else (HTML, JSON, a path, a truncated echo) is dropped and the status alone says it.
 * @module
 */

/** Letters, digits, spaces and `_ - . , : '`: no `/`, `%`, `?`, `=`, `&` or `@` a URL needs. */
const PLAIN = /^[A-Za-z0-9_.,:' -]{1,80}$/

/** Shorter words are too common to tell an echo from a word ("no", "T0"). */
const MIN_SHARED = 4

export function safeAnswer(body: string, url: string): string {
  const text = body.trim()
  if (!PLAIN.test(text)) {
    return ''
  }
  const lower = text.toLowerCase()
  const secrets = secretParts(url)
  const whole = secrets.join('\n')
  // Both ways: the answer holds a piece of the URL, or a word of it is part of one (cut short).
  const echoes =
    secrets.some((piece) => piece.length >= MIN_SHARED && lower.includes(piece)) ||
    lower.split(/[^a-z0-9_-]+/).some((word) => word.length >= MIN_SHARED && whole.includes(word))
  return echoes ? '' : text
}

/** The URL's secret parts, raw and decoded, lowercased: path and query pieces, userinfo. */
function secretParts(url: string): string[] {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return [url.toLowerCase()]
  }
  const raw = [target.pathname, target.search, target.hash, target.username, target.password]
  const pieces = raw.flatMap((part) => [part, ...part.split(/[/?#&=;,]+/)])
  const decoded = pieces.map((part) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '))
    } catch {
      return part
    }
  })
  return [...pieces, ...decoded].map((part) => part.toLowerCase()).filter((part) => part !== '')
}
