/** One line per event, timestamped: ordeal's supervisor adds the `[order-0]` prefix. */
export type Log = (message: string) => void

export function logger(component: string): Log {
  return (message) => console.log(`${new Date().toISOString()} ${component}: ${message}`)
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error)
}
