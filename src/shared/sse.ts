/**
 * Server-Sent Events framing, by hand: the stream is read with fetch (so the token stays in the
 * Authorization header, which EventSource cannot send), so the frames are parsed here. Shared by
 * the web UI and `ordeal run --agent`.
 * @module
 */

export interface SseFrame {
  event: string
  data: string
  id?: string
}

/** Returns a `feed(chunk)` that calls `onFrame` for every complete frame (chunks may split lines). */
export function createSseParser(onFrame: (frame: SseFrame) => void): (chunk: string) => void {
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  return (chunk) => {
    buffer += chunk
    let nl: number
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1))
      if (line === '') {
        // A blank line ends the frame; a frame without data is a keep-alive.
        if (data.length > 0) {
          onFrame({ event: event || 'message', data: data.join('\n'), ...(id ? { id } : {}) })
        }
        event = ''
        data = []
        continue
      }
      if (line.startsWith(':')) {
        continue
      }
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) {
        value = value.slice(1)
      }
      if (field === 'event') {
        event = value
      } else if (field === 'data') {
        data.push(value)
      } else if (field === 'id') {
        id = value
      }
    }
  }
}
