/**
 * `host:port` strings as Go's net package reads and prints them: brackets for IPv6, bound
 * addresses echoed as `127.0.0.1:40123`, and Go-worded errors for the 500 replies.
 * @module
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { ApiError } from './errors.js'

export interface HostPort {
  host: string
  port: number
}

export function splitHostPort(address: string): { host: string; port: string } | string {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(address)
  if (!m) {
    return address.includes(':') && !address.startsWith('[')
      ? `address ${address}: too many colons in address`
      : `address ${address}: missing port in address`
  }
  return { host: m[1] ?? m[2] ?? '', port: m[3] ?? '' }
}

/**
 * Resolves a listen address. An empty host binds loopback, not every interface as the
 * reference does: ordeal's safety invariant is loopback unless asked otherwise.
 */
export async function resolveListen(address: string): Promise<HostPort> {
  const parts = splitHostPort(address === '' ? ':0' : address)
  if (typeof parts === 'string') {
    throw new ApiError(500, parts)
  }
  const port = Number(parts.port === '' ? '0' : parts.port)
  if (!/^\d*$/.test(parts.port) || port > 65535) {
    throw new ApiError(500, `address ${address}: invalid port`)
  }
  if (parts.host === '') {
    return { host: '127.0.0.1', port }
  }
  if (isIP(parts.host)) {
    return { host: parts.host, port }
  }
  try {
    const all = await lookup(parts.host, { all: true })
    // Go prefers IPv4 for `localhost`.
    const chosen = all.find((a) => a.family === 4) ?? all[0]
    if (chosen === undefined) {
      throw new Error('no address')
    }
    return { host: chosen.address, port }
  } catch {
    throw new ApiError(500, `lookup ${parts.host}: no such host`)
  }
}

export const joinHostPort = (host: string, port: number) =>
  isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`

/** Go's wording for bind failures: `listen tcp 127.0.0.1:3310: bind: address already in use`. */
export function bindError(at: HostPort, error: NodeJS.ErrnoException): ApiError {
  const reasons: Record<string, string> = {
    EADDRINUSE: 'bind: address already in use',
    EACCES: 'bind: permission denied',
    EADDRNOTAVAIL: 'bind: cannot assign requested address',
  }
  const reason = reasons[error.code ?? ''] ?? error.message
  return new ApiError(500, `listen tcp ${joinHostPort(at.host, at.port)}: ${reason}`)
}
