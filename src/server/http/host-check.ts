/**
 * DNS rebinding guard. A server bound to loopback is reachable by any web page the user opens:
 * the page's own host name can be re-pointed at 127.0.0.1, and the browser then sends that
 * name in `Host`. So when bound to loopback, only loopback names and addresses are answered
 * (with the listening port, or none); anything else is 421 Misdirected Request.
 * @module
 */

/** `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8 and ::1, as `Host` spells them. */
const LOOPBACK_HOST = /^(?:localhost|[a-z0-9-]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** True when `host` (a `Host` header) names this machine's loopback, on `port` or none. */
export function isLoopbackHostHeader(host: string | undefined, port: number): boolean {
  if (host === undefined) {
    // HTTP/1.0 requests may omit Host; a browser never does, so they cannot be a rebinding.
    return true
  }
  const match = /^(.+?)(?::(\d{1,5}))?$/.exec(host.trim())
  if (!match) {
    return false
  }
  const [, name, portText] = match
  if (!LOOPBACK_HOST.test(name!)) {
    return false
  }
  return portText === undefined || Number(portText) === port
}
