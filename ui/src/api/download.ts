/**
 * Saves an API file (a run's JSON, JUnit, journal) to disk. A plain `<a href>` cannot carry the
 * bearer token, so the file is fetched with it, held as a blob, and handed to the browser's
 * download through a temporary object URL, under the server's `Content-Disposition` name.
 */
import { ApiRequestError, authHeaders, UNAUTHORIZED_EVENT } from './client'

export async function downloadFile(path: string, fallbackName: string): Promise<string> {
  const res = await fetch(path, { headers: authHeaders() })
  if (res.status === 401) {
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '')
    let message = `${res.status} ${res.statusText}`
    try {
      const body = JSON.parse(text) as { message?: unknown }
      if (typeof body.message === 'string') {
        message = body.message
      }
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiRequestError(res.status, { error: 'internal', message })
  }
  const name = fileName(res.headers.get('content-disposition')) ?? fallbackName
  const url = URL.createObjectURL(await res.blob())
  try {
    const a = document.createElement('a')
    a.href = url
    a.download = name
    document.body.appendChild(a)
    a.click()
    a.remove()
  } finally {
    // The browser reads the blob after the click returns: free it a while later, not now.
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }
  return name
}

/** `attachment; filename="orders-run_1.json"` → `orders-run_1.json`. */
export function fileName(header: string | null): string | undefined {
  const m = header ? /filename="?([^";]+)"?/i.exec(header) : null
  return m?.[1]
}
