/**
 * The client of an ordeal-diskfs control socket (a disk-fault mount, src/disk): one command per connection, one reply line
 * (`ok[ detail]` or `error <message>`). A connection each keeps the client stateless: a helper
 * that died answers with a refused connection, not a stuck pipe.
 * @module
 */
import net from 'node:net'

/** How long one command may take: the helper answers at once, latency rules do not apply here. */
const kReplyTimeoutMs = 10_000

export class DiskControlError extends Error {
  /** The helper is not there (no socket, nobody listening): it and its mount are gone. */
  readonly gone: boolean
  constructor(message: string, gone = false) {
    super(message)
    this.name = 'DiskControlError'
    this.gone = gone
  }
}

const kGoneCodes = new Set(['ENOENT', 'ECONNREFUSED'])

/** Sends `command`; resolves with the reply's detail after `ok`, throws on `error` or no answer. */
export function diskControl(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socket)
    let text = ''
    let settled = false
    const finish = (error: Error | undefined, detail = '') => {
      if (settled) {
        return
      }
      settled = true
      clearTimeout(timer)
      conn.destroy()
      if (error) {
        reject(error)
      } else {
        resolve(detail)
      }
    }
    const timer = setTimeout(
      () => finish(new DiskControlError(`ordeal-diskfs did not answer '${command}' in 10s`)),
      kReplyTimeoutMs
    )
    conn.setEncoding('utf8')
    conn.on('connect', () => conn.write(`${command}\n`))
    conn.on('data', (chunk: string) => {
      text += chunk
      const end = text.indexOf('\n')
      if (end < 0) {
        return
      }
      const line = text.slice(0, end)
      if (line === 'ok' || line.startsWith('ok ')) {
        finish(undefined, line.slice(3))
      } else {
        finish(new DiskControlError(`ordeal-diskfs: ${command}: ${line.replace(/^error /, '')}`))
      }
    })
    conn.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        new DiskControlError(
          `ordeal-diskfs control ${socket}: ${error.message}`,
          kGoneCodes.has(error.code ?? '')
        )
      )
    )
    conn.on('close', () =>
      finish(
        new DiskControlError(`ordeal-diskfs closed the connection before answering '${command}'`)
      )
    )
  })
}

/** `files=3 bytes=12288 entries=2` → { files: 3, bytes: 12288, entries: 2 }. */
export function parseCounts(detail: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const [, key, value] of detail.matchAll(/(\w+)=(\d+)/g)) {
    counts[key!] = Number(value)
  }
  return counts
}

/** `clear` to a helper; one that is gone (no socket, nobody listening) has no rules left. */
export async function clearDiskRules(socket: string): Promise<void> {
  try {
    await diskControl(socket, 'clear')
  } catch (error) {
    if (!(error instanceof DiskControlError) || !error.gone) {
      throw error
    }
  }
}
