/**
 * The one-line reasons `ordeal agent` exits 2 (design §9, agent rows): what the Chaos Center
 * answered before the upgrade, the close codes it means, a certificate the agent does not trust.
 * @module
 */
import { CLOSE } from './protocol.js'

/** The line for a close the operator must act on, or undefined for one that only reconnects. */
export function closeLine(
  code: number,
  reason: string,
  name: string,
  askedName: string | undefined
): string | undefined {
  let line: string | undefined
  switch (code) {
    case CLOSE.revoked:
      line = "the Chaos Center revoked this agent's token; its runs were rolled back"
      break
    case CLOSE.replaced: {
      const from = /from (\S+)/.exec(reason)?.[1]
      line = `replaced by another agent named ${name}${from ? ` (from ${from})` : ''}; exiting`
      break
    }
    case CLOSE.wrongName: {
      const tokenName =
        /(?:token(?:'s name)? is for(?: agent)?|for agent|token is) ([a-z0-9][a-z0-9-]*)/.exec(
          reason
        )?.[1]
      line = tokenName
        ? `the token is for agent ${tokenName}, not ${askedName ?? name} (--name)`
        : `the token is not for agent ${askedName ?? name} (--name): ${reason}`
      break
    }
    case CLOSE.unsupported:
      line = `the Chaos Center speaks another agent protocol: ${reason}`
      break
  }
  return line
}

export function tlsLine(server: URL, error: Error): string {
  const port = server.port || (server.protocol === 'https:' ? '443' : '80')
  return `TLS to ${server.hostname}:${port} failed: ${error.message} (pass the CA with --ca-file)`
}

function parseBody(body: string): { error: string; message: string } {
  let error = ''
  let message = body.trim().slice(0, 200)
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown }
    error = typeof parsed.error === 'string' ? parsed.error : ''
    message = typeof parsed.message === 'string' ? parsed.message : message
  } catch {
    // not JSON: the body's text
  }
  return { error, message }
}

/** The role a 403 names (`… token has viewer …`), if it names one. */
function roleOf(message: string): string | undefined {
  return /token has (\w+)/.exec(message)?.[1]
}

/**
 * An HTTP answer that ends the agent even after it was connected (review #14): the token is
 * no longer valid (401, e.g. revoked while the agent was cut off and missed the close) or the
 * Chaos Center names its role as not `agent`. Other answers (a proxy's 403, a 404 while the
 * server restarts behind a load balancer) are retried once the agent has been connected.
 */
export function fatalAtAnyTime(status: number, body: string): boolean {
  return status === 401 || (status === 403 && roleOf(parseBody(body).message) !== undefined)
}

/** The §9 line for an HTTP answer before the upgrade. */
export function httpLine(url: string, status: number, body: string): string {
  const { error, message } = parseBody(body)
  if (status === 401) {
    return `${url} rejected the token (401 ${[error, message].filter(Boolean).join(': ')})`
  }
  if (status === 403) {
    const role = roleOf(message)
    return role
      ? `the token's role is ${role}; an agent needs a token of role agent (ordeal token create --role agent --name NAME)`
      : `${url} refused this agent (403 ${message}); an agent needs a token of role agent (ordeal token create --role agent --name NAME)`
  }
  return `${url} is not a Chaos Center (GET /api/agents/connect answered ${status})`
}

const kTlsCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
])

export function isTlsFailure(error: NodeJS.ErrnoException): boolean {
  return error.code !== undefined && kTlsCodes.has(error.code)
}
