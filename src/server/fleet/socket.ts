/**
 * The frames of one agent socket in: each text frame parsed against the protocol (anything else
 * closes with 4000), a pong handled the moment it arrives (its arrival time is the clock's t3),
 * every other frame handed on through one chain per connection, so `accepted` is stored before
 * the run's first events are taken in (events do not wait for their appends, only their turn).
 * The hello must come within HELLO_TIMEOUT_MS.
 * @module
 */
import {
  CLOSE,
  fromAgentSchema,
  parseFrame,
  type FromAgent,
} from '../../platforms/agent/protocol.js'
import type { AgentConnection } from './connection.js'
import type { Timers } from './leases.js'

/** No hello this long after the upgrade: close 4000. */
export const HELLO_TIMEOUT_MS = 10_000

export type Pong = Extract<FromAgent, { type: 'pong' }>

export interface SocketHandlers {
  onPong(conn: AgentConnection, frame: Pong): void
  /** In arrival order, one at a time. */
  onFrame(conn: AgentConnection, frame: Exclude<FromAgent, Pong>): Promise<void>
  /** A frame's handler threw (the store failed): logged; a failed hello closes with 1011. */
  onError(conn: AgentConnection, frame: FromAgent, error: unknown): void
  onClose(conn: AgentConnection): void
}

export function listen(conn: AgentConnection, timers: Timers, handlers: SocketHandlers): void {
  const { socket } = conn
  const helloTimer = timers.set(() => {
    if (conn.hello === undefined && !conn.closed) {
      conn.bye(CLOSE.protocol, `no hello within ${HELLO_TIMEOUT_MS / 1000} s`)
    }
  }, HELLO_TIMEOUT_MS)
  let inbox = Promise.resolve()
  socket.on('message', (data, isBinary) => {
    if (conn.closed) {
      return // frames still in flight after a bye: nothing more is taken from it
    }
    conn.lastFrameAt = timers.now()
    const frame = isBinary ? undefined : parseFrame(fromAgentSchema, rawText(data))
    if (frame === undefined) {
      conn.bye(CLOSE.protocol, 'invalid frame: not a JSON message of agent protocol 1')
      return
    }
    if (frame.type === 'pong') {
      handlers.onPong(conn, frame)
      return
    }
    inbox = inbox
      .then(() => handlers.onFrame(conn, frame))
      .catch((error: unknown) => {
        handlers.onError(conn, frame, error)
        if (frame.type === 'hello' && !conn.closed) {
          conn.closed = true
          socket.close(1011, 'the Chaos Center failed to register the agent')
        }
      })
  })
  socket.on('close', () => {
    timers.clear(helloTimer)
    handlers.onClose(conn)
  })
}

function rawText(data: unknown): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data as Buffer[]).toString('utf8')
  }
  if (data instanceof ArrayBuffer) {
    return Buffer.from(data).toString('utf8')
  }
  return (data as Buffer).toString('utf8')
}
