/**
 * Helpers every probe driver shares: one abort signal per attempt, readable error messages,
 * short excerpts for one-line outcomes.
 * @module
 */
import type { ProbeContext, ProbeOutcome } from './contract.js'
import { deadlineSignal } from '../shared/deadline-signal.js'

/**
 * The engine's signal combined with the attempt's own deadline: a driver stays bounded even if
 * a caller forgets to abort (AbortSignal.timeout does not keep the process alive).
 */
export function attemptSignal(ctx: ProbeContext): AbortSignal {
  return ctx.timeoutMs > 0 && Number.isFinite(ctx.timeoutMs)
    ? AbortSignal.any([ctx.signal, deadlineSignal(ctx.timeoutMs)])
    : ctx.signal
}

/** True when `signal` was aborted because time ran out (not because the run is stopping). */
export function isTimeout(signal: AbortSignal): boolean {
  const reason: unknown = signal.reason
  return reason instanceof Error && reason.name === 'TimeoutError'
}

/** `timed out after 200ms` or `aborted`, for an aborted attempt. */
export function abortMessage(signal: AbortSignal, ctx: ProbeContext): string {
  return isTimeout(signal) ? `timed out after ${ctx.timeoutMs}ms` : 'aborted'
}

/**
 * The most useful line out of an error: fetch wraps the socket error in `cause`, and Node's
 * happy-eyeballs connect throws an AggregateError whose own message is empty.
 */
export function errorMessage(err: unknown): string {
  let current: unknown = err
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0]
      continue
    }
    if (current instanceof Error && current.cause !== undefined && isGeneric(current)) {
      current = current.cause
      continue
    }
    break
  }
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code
    const message = current.message || current.name
    // Only system errno codes (ECONNRESET) add meaning; SQLSTATEs and driver codes do not.
    const errno = typeof code === 'string' && /^E[A-Z]+$/.test(code)
    return errno && !message.includes(code) ? `${code}: ${message}` : message
  }
  return String(current)
}

function isGeneric(err: Error): boolean {
  return err.message === 'fetch failed' || err.message === '' || err.name === 'AggregateError'
}

/** One-line excerpt of `text`: whitespace collapsed, cut at `max` characters. */
export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat
}

export function failed(message: string, value?: string | number): ProbeOutcome {
  return value === undefined ? { passed: false, message } : { passed: false, message, value }
}

/** Hides the password of a connection URL before it reaches a report. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
}
