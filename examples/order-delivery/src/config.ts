/**
 * Environment of the services. The database comes from `DATA_DIR` / `DATABASE_URL` (see
 * db/open.ts).
 * @module
 */

export interface Config {
  /** HTTP port of the order service. */
  port: number
  /** `AMQP_URLS`: comma-separated broker URLs; v1 uses the first only. */
  amqpUrls: string[]
  /** @default 'orders' */
  queue: string
  /** Unacknowledged messages a v2 consumer may hold. @default 50 */
  prefetch: number
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const amqpUrls = (env['AMQP_URLS'] ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean)
  if (amqpUrls.length === 0) {
    throw new Error('set AMQP_URLS to one or more amqp:// URLs, comma-separated')
  }
  return {
    port: integer(env, 'PORT', 0),
    amqpUrls,
    queue: env['QUEUE'] || 'orders',
    prefetch: integer(env, 'PREFETCH', 50),
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text === '') {
    return fallback
  }
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got '${text}'`)
  }
  return value
}
