/**
 * A small typed fetch wrapper for the Chaos Center API: adds the bearer token, parses JSON
 * errors into `ApiRequestError`, and signals a 401 so the app can send the user to /login.
 */
import type { ApiError } from '../../../src/shared/api'

const TOKEN_KEY = 'ordeal.token'

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token)
}

export function clearToken(): void {
  localStorage.removeItem(TOKEN_KEY)
}

/** Fired on window when the server answers 401: the session is gone (expired, revoked). */
export const UNAUTHORIZED_EVENT = 'ordeal:unauthorized'

export class ApiRequestError extends Error {
  override name = 'ApiRequestError'
  constructor(
    readonly status: number,
    readonly body: ApiError
  ) {
    super(body.message)
  }
}

export function authHeaders(token = getToken()): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {}
}

export interface RequestOptions {
  body?: unknown
  signal?: AbortSignal
  /** Use this token instead of the stored one (the login form checks a pasted API token). */
  token?: string
  /** Do not treat 401 as "session expired" (the login page expects it for a bad code). */
  quiet401?: boolean
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: RequestOptions = {}
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...authHeaders(options.token ?? getToken()),
  }
  const init: RequestInit = { method, headers }
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }
  if (options.signal) {
    init.signal = options.signal
  }
  const res = await fetch(path, init)
  if (res.status === 401 && !options.quiet401) {
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
  }
  if (!res.ok) {
    throw new ApiRequestError(res.status, await errorBody(res))
  }
  if (res.status === 204) {
    return undefined as T
  }
  return (await res.json()) as T
}

async function errorBody(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  try {
    const parsed = JSON.parse(text) as Partial<ApiError>
    if (typeof parsed.message === 'string') {
      return parsed as ApiError
    }
  } catch {
    // Not JSON (a proxy error page): fall through to a generic message.
  }
  return { error: 'internal', message: text.slice(0, 200) || `${res.status} ${res.statusText}` }
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, signal ? { signal } : {}),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  del: <T = void>(path: string) => request<T>('DELETE', path),
}

/** A human line for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiRequestError) {
    return e.body.message
  }
  return e instanceof Error ? e.message : String(e)
}
