/**
 * `--server http(s)://HOST[:PORT][/prefix]` → the agent's WebSocket URL
 * `ws(s)://HOST[:PORT][/prefix]/api/agents/connect`, or the one-line reason it is not usable.
 * @module
 */
import { AGENT_PATH } from './protocol.js'

export function parseServerUrl(text: string): URL | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `--server '${text}' must be an http:// or https:// URL`
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return `--server '${text}' must be an http:// or https:// URL`
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return `--server '${text}' must be a plain URL (no user, query or fragment): the token goes in --token-file`
  }
  return url
}

export function connectUrl(server: URL): string {
  const prefix = server.pathname.replace(/\/+$/, '')
  const scheme = server.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${server.host}${prefix}${AGENT_PATH}`
}

/** The server URL as people read it (no trailing slash). */
export function displayUrl(server: URL): string {
  return `${server.protocol}//${server.host}${server.pathname.replace(/\/+$/, '')}`
}
