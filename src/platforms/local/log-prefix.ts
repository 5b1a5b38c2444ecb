/**
 * Splits a child's output into lines for the `[api-0] …` log. Chunks end anywhere, so a partial
 * line waits for the rest (or for the end of the stream).
 * @module
 */
import type { Readable } from 'node:stream'

export class LineSplitter {
  #partial = ''
  readonly #onLine: (line: string) => void

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine
  }

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n')
    this.#partial = parts.pop() ?? ''
    for (const part of parts) {
      this.#onLine(part.endsWith('\r') ? part.slice(0, -1) : part)
    }
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.#partial !== '') {
      const line = this.#partial
      this.#partial = ''
      this.#onLine(line)
    }
  }
}

/** Feeds `stream` line by line to `onLine`; resolves when the stream ends or closes. */
export function pipeLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const splitter = new LineSplitter(onLine)
  // setEncoding keeps multi-byte characters split across chunks intact.
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => splitter.push(chunk))
  return new Promise((resolve) => {
    const done = () => {
      splitter.flush()
      resolve()
    }
    stream.once('end', done)
    stream.once('close', done)
    stream.once('error', done)
  })
}
