import { useCallback, useEffect, useRef, useState } from 'react'
import { api, errorMessage } from './api/client'

export interface Resource<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  /** Fetch again (after a save, a new run...), keeping the old data on screen meanwhile. */
  reload: () => void
  /** Replace the data locally (the answer of a PUT is the new resource). */
  set: (data: T) => void
}

/** GET `path` on mount and whenever it changes; `null` skips the fetch. */
export function useResource<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<string>()
  const [loading, setLoading] = useState(path !== null)
  const [tick, setTick] = useState(0)

  useEffect(() => {
    if (path === null) {
      return
    }
    const ctrl = new AbortController()
    setLoading(true)
    api
      .get<T>(path, ctrl.signal)
      .then((d) => {
        setData(d)
        setError(undefined)
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) {
          setError(errorMessage(e))
        }
      })
      .finally(() => {
        if (!ctrl.signal.aborted) {
          setLoading(false)
        }
      })
    return () => ctrl.abort()
  }, [path, tick])

  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { data, error, loading, reload, set: setData }
}

/** Calls `fn` every `ms` while `active`; the latest `fn` is used without restarting the timer. */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const saved = useRef(fn)
  saved.current = fn
  useEffect(() => {
    if (!active) {
      return
    }
    const id = setInterval(() => saved.current(), ms)
    return () => clearInterval(id)
  }, [ms, active])
}

/** `value`, but only after it stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value)
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms)
    return () => clearTimeout(id)
  }, [value, ms])
  return v
}

/**
 * A Copy button's state: `copy(text)` puts it on the clipboard and sets `copied`; `reset()`
 * when a new secret is shown. Clipboard needs a secure context: on failure the text stays
 * selectable on screen.
 */
export function useCopy(): {
  copied: boolean
  copy: (text: string) => Promise<void>
  reset: () => void
} {
  const [copied, setCopied] = useState(false)
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(true)
    } catch {
      // not copied; the text is still on screen
    }
  }
  return { copied, copy, reset: () => setCopied(false) }
}

/** `Date.now()`, refreshed every `ms`: relative times ("in 4 min") stay true on an open page. */
export function useNow(ms = 10_000): number {
  const [now, setNow] = useState(() => Date.now())
  useInterval(() => setNow(Date.now()), ms)
  return now
}
