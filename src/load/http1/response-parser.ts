/**
 * An incremental HTTP/1.1 response parser for the load generator's client: just what a
 * generator needs (the status, where the response ends, whether the connection stays open, and
 * the body only when `capture` asks for it), as wrk and autocannon do. Feed it the socket's
 * chunks as they come, split anywhere; it calls back once per complete response.
 *
 * Framing (RFC 9112 §6.3): no body for 1xx/204/304; `Transfer-Encoding: chunked`; else
 * `Content-Length`; else the body runs until the server closes (`end()`). Anything else (a bad
 * status line, a bad length, a bad chunk size, an oversized head) throws a ResponseParseError,
 * which the connection reports as a connection error: never a crash.
 * @module
 */

/** Longest response head accepted (status line + headers). */
export const MAX_HEAD_BYTES = 64 * 1024
/** Bodies are kept up to this size for `capture`: ids live near the top of a JSON answer. */
export const MAX_CAPTURE_BYTES = 1024 * 1024

export interface ParsedResponse {
  status: number
  /** The server keeps the connection open for the next request. */
  keepAlive: boolean
  /** Only when the parser was asked to keep bodies (the first MAX_CAPTURE_BYTES). */
  body?: Buffer
  /** The server's `Keep-Alive: timeout=N`, in ms: it closes an idle connection after that. */
  idleTimeoutMs?: number
}

export class ResponseParseError extends Error {
  readonly code = 'HPE_INVALID_RESPONSE'
}

// Parser states (plain numbers: a switch on small integers is the fast path).
const State = {
  Head: 0,
  Length: 1,
  ChunkSize: 2,
  ChunkData: 3,
  ChunkDataEnd: 4,
  Trailers: 5,
  UntilClose: 6,
} as const
type State = (typeof State)[keyof typeof State]

const kCrLfCrLf = Buffer.from('\r\n\r\n')
const kCrLf = Buffer.from('\r\n')
const kEmpty = Buffer.alloc(0)
// A chunk-size line is hex digits plus optional extensions; longer than this is garbage.
const kMaxChunkLine = 4096

export class ResponseParser {
  /** Keep bodies (for `capture`); otherwise they are skipped unread. */
  keepBodies = false
  readonly #onResponse: (response: ParsedResponse) => void
  #state: State = State.Head
  /** Bytes of an unfinished head, chunk-size line or trailer section. */
  #pending: Buffer = kEmpty
  #remaining = 0
  #status = 0
  #keepAlive = true
  #idleTimeoutMs: number | undefined
  #body: Buffer[] | undefined
  #bodySize = 0

  constructor(onResponse: (response: ParsedResponse) => void) {
    this.#onResponse = onResponse
  }

  /** True between the first byte of a response and its end. */
  get inResponse(): boolean {
    return this.#state !== State.Head || this.#pending.length > 0
  }

  /** Parses `chunk`; calls back for every response it completes. Throws ResponseParseError. */
  push(chunk: Buffer): void {
    let data = chunk
    while (data.length > 0) {
      switch (this.#state) {
        case State.Head:
          data = this.#head(data)
          break
        case State.Length: {
          const take = Math.min(this.#remaining, data.length)
          this.#keep(data, take)
          this.#remaining -= take
          data = data.subarray(take)
          if (this.#remaining === 0) {
            this.#complete()
          }
          break
        }
        case State.ChunkSize:
          data = this.#chunkSize(data)
          break
        case State.ChunkData: {
          const take = Math.min(this.#remaining, data.length)
          this.#keep(data, take)
          this.#remaining -= take
          data = data.subarray(take)
          if (this.#remaining === 0) {
            this.#state = State.ChunkDataEnd
            this.#remaining = 2
          }
          break
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data, possibly split across pushes.
          while (this.#remaining > 0 && data.length > 0) {
            const expected = this.#remaining === 2 ? 13 : 10
            if (data[0] !== expected) {
              throw new ResponseParseError('chunk data not followed by CRLF')
            }
            this.#remaining--
            data = data.subarray(1)
          }
          if (this.#remaining === 0) {
            this.#state = State.ChunkSize
          }
          break
        }
        case State.Trailers:
          data = this.#trailers(data)
          break
        case State.UntilClose:
          this.#keep(data, data.length)
          data = kEmpty
          break
      }
    }
  }

  /**
   * The server closed the connection. A body delimited by the close ends here; any other
   * unfinished response was cut off (returns false).
   */
  end(): boolean {
    if (this.#state === State.UntilClose) {
      this.#complete()
      return true
    }
    return !this.inResponse
  }

  #head(data: Buffer): Buffer {
    let buffer = data
    let searchFrom = 0
    if (this.#pending.length > 0) {
      // The terminator may straddle the old and new bytes.
      searchFrom = Math.max(0, this.#pending.length - 3)
      buffer = Buffer.concat([this.#pending, data])
    }
    const end = buffer.indexOf(kCrLfCrLf, searchFrom)
    if (end === -1) {
      if (buffer.length > MAX_HEAD_BYTES) {
        throw new ResponseParseError(`response head over ${MAX_HEAD_BYTES} bytes`)
      }
      this.#pending = this.#pending.length > 0 ? buffer : Buffer.from(buffer)
      return kEmpty
    }
    if (end > MAX_HEAD_BYTES) {
      throw new ResponseParseError(`response head over ${MAX_HEAD_BYTES} bytes`)
    }
    this.#pending = kEmpty
    this.#parseHead(buffer.toString('latin1', 0, end))
    return buffer.subarray(end + 4)
  }

  #parseHead(head: string): void {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    if (
      head.length < 12 ||
      !head.startsWith('HTTP/1.') ||
      head.charCodeAt(8) !== 32 ||
      (head.length > 12 && head.charCodeAt(12) !== 32 && head.charCodeAt(12) !== 13)
    ) {
      throw new ResponseParseError(`bad status line '${head.slice(0, 40)}'`)
    }
    const minor = head.charCodeAt(7)
    // Exactly three ASCII digits (RFC 9112 §4): Number() alone would take `1e2` or ` 20`.
    const digits = head.slice(9, 12)
    const status = Number(digits)
    if (!/^[1-9]\d\d$/.test(digits) || (minor !== 48 && minor !== 49)) {
      throw new ResponseParseError(`bad status line '${head.slice(0, 40)}'`)
    }
    let keepAlive = minor === 49 // HTTP/1.1 keeps the connection unless told; 1.0 closes it
    let idleTimeoutMs: number | undefined
    let length = -1
    let chunked = false
    let lineStart = head.indexOf('\r\n')
    while (lineStart !== -1) {
      const next = head.indexOf('\r\n', lineStart + 2)
      const line = head.slice(lineStart + 2, next === -1 ? head.length : next)
      lineStart = next
      const colon = line.indexOf(':')
      // No whitespace between a name and its colon (RFC 9112 §5.1): `Content-Length : 2` would
      // otherwise be skipped by the length test below and the body framed until close.
      const last = line.charCodeAt(colon - 1)
      if (colon <= 0 || last === 32 || last === 9) {
        throw new ResponseParseError(`bad header line '${line.slice(0, 40)}'`)
      }
      // Only three headers matter; compare their lengths before lower-casing anything.
      const nameLength = colon
      if (nameLength !== 14 && nameLength !== 17 && nameLength !== 10) {
        continue
      }
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== -1 && length !== Number(value))) {
          throw new ResponseParseError(`bad content-length '${value.slice(0, 40)}'`)
        }
        length = Number(value)
      } else if (name === 'transfer-encoding') {
        // Only the last coding frames the message; chunked must be last when present.
        const codings = value.toLowerCase().split(',')
        chunked = codings[codings.length - 1]!.trim() === 'chunked'
      } else if (name === 'keep-alive') {
        const timeout = /timeout\s*=\s*(\d+)/i.exec(value)
        if (timeout) {
          idleTimeoutMs = Number(timeout[1]) * 1000
        }
      } else if (name === 'connection') {
        const tokens = value.toLowerCase()
        if (/(^|,)\s*close\s*(,|$)/.test(tokens)) {
          keepAlive = false
        } else if (/(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) {
          keepAlive = true
        }
      }
    }
    if (status < 200) {
      // Informational (100 Continue, 103 Early Hints): the real response follows.
      return
    }
    this.#status = status
    this.#keepAlive = keepAlive
    this.#idleTimeoutMs = idleTimeoutMs
    this.#body = this.keepBodies ? [] : undefined
    this.#bodySize = 0
    if (status === 204 || status === 304) {
      this.#complete()
    } else if (chunked) {
      this.#state = State.ChunkSize
    } else if (length >= 0) {
      if (length === 0) {
        this.#complete()
      } else {
        this.#state = State.Length
        this.#remaining = length
      }
    } else {
      this.#state = State.UntilClose
      this.#keepAlive = false
    }
  }

  /** Reads a `<hex size>[;ext]\r\n` line; a 0 size leads to the trailers. */
  #chunkSize(data: Buffer): Buffer {
    const line = this.#line(data)
    if (line === undefined) {
      return kEmpty
    }
    const [text, rest] = line
    const hex = text.split(';', 1)[0]!.trim()
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
      throw new ResponseParseError(`bad chunk size '${hex.slice(0, 40)}'`)
    }
    const size = parseInt(hex, 16)
    if (size === 0) {
      this.#state = State.Trailers
    } else {
      this.#state = State.ChunkData
      this.#remaining = size
    }
    return rest
  }

  /** Trailer lines until an empty one, which ends the response. */
  #trailers(data: Buffer): Buffer {
    let rest = data
    for (;;) {
      const line = this.#line(rest)
      if (line === undefined) {
        return kEmpty
      }
      rest = line[1]
      if (line[0] === '') {
        this.#complete()
        return rest
      }
    }
  }

  /** The next CRLF-terminated line and what follows it, or undefined (kept for the next push). */
  #line(data: Buffer): [string, Buffer] | undefined {
    let buffer = data
    let searchFrom = 0
    if (this.#pending.length > 0) {
      searchFrom = this.#pending.length - 1
      buffer = Buffer.concat([this.#pending, data])
    }
    const end = buffer.indexOf(kCrLf, searchFrom)
    if (end === -1) {
      if (buffer.length > kMaxChunkLine) {
        throw new ResponseParseError('chunk-size or trailer line too long')
      }
      this.#pending = Buffer.from(buffer)
      return undefined
    }
    this.#pending = kEmpty
    return [buffer.toString('latin1', 0, end), buffer.subarray(end + 2)]
  }

  #keep(data: Buffer, length: number): void {
    if (this.#body && this.#bodySize < MAX_CAPTURE_BYTES && length > 0) {
      // Copied: the socket may reuse the chunk's memory.
      this.#body.push(Buffer.from(data.subarray(0, length)))
      this.#bodySize += length
    }
  }

  #complete(): void {
    const response: ParsedResponse = { status: this.#status, keepAlive: this.#keepAlive }
    if (this.#idleTimeoutMs !== undefined) {
      response.idleTimeoutMs = this.#idleTimeoutMs
    }
    if (this.#body) {
      response.body = Buffer.concat(this.#body)
      this.#body = undefined
    }
    this.#state = State.Head
    this.#onResponse(response)
  }
}
