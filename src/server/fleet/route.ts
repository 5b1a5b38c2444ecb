/**
 * `GET /api/agents/connect`: where `ordeal agent` opens its one WebSocket. The token is checked
 * (role agent only) before the upgrade, so a wrong token gets a plain 401/403 the agent can
 * print; after it, the fleet owns the socket (hello, welcome, runs, events).
 * @module
 */
import { AGENT_PATH } from '../../platforms/agent/protocol.js'
import { defineRoute, HttpError, type RouteDef } from '../http/route.js'

/** TCP keepalive on agents' sockets: a dead peer is noticed under the heartbeat too. */
const KEEPALIVE_MS = 10_000

export const agentConnectRoute: RouteDef = defineRoute({
  method: 'GET',
  url: AGENT_PATH,
  access: 'agent',
  rate: 'none',
  tag: 'agents',
  summary: "An agent's WebSocket (ordeal agent): runs out, journals in (agent tokens only)",
  async handler() {
    throw new HttpError(
      400,
      'validation',
      `${AGENT_PATH} takes a WebSocket upgrade (it is where ordeal agent connects)`
    )
  },
  websocket(socket, { caller, request, ctx }) {
    request.raw.socket.setKeepAlive(true, KEEPALIVE_MS)
    ctx.fleet.accept(socket, caller!, request.ip, request.raw.socket.localAddress)
  },
})
