/**
 * TCP probe: one connect. `expect: open` passes when the port accepts; `expect: closed` passes
 * when it does not (refused, reset, unreachable, or no answer before the timeout, which is what
 * a partition that drops packets looks like). A host that does not resolve fails both ways:
 * that is a wrong probe, not a closed port.
 * @module
 */
import net from 'node:net'
import { renderTemplate } from '../../shared/template.js'
import { defineProbe } from '../contract.js'
import { abortMessage, attemptSignal, errorMessage, failed, isTimeout } from '../attempt.js'

const DEFAULT_HOST = '127.0.0.1'
const RESOLVE_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'])

export const tcpProbe = defineProbe({
  type: 'tcp',

  describe(params) {
    return `tcp ${params.host ?? DEFAULT_HOST}:${params.port} expect ${params.expect ?? 'open'}`
  },

  async check(params, ctx) {
    let host: string
    let port: number
    try {
      host = renderTemplate(params.host ?? DEFAULT_HOST, ctx.vars)
      const text = renderTemplate(String(params.port), ctx.vars).trim()
      port = Number(text)
      if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
        return failed(`port ${JSON.stringify(text)} is not a port number (1-65535)`)
      }
    } catch (err) {
      return failed(errorMessage(err))
    }
    const address = `${host}:${port}`
    const wantOpen = (params.expect ?? 'open') === 'open'

    const signal = attemptSignal(ctx)
    const result = await connect(host, port, signal)
    if (result.open) {
      return wantOpen
        ? { passed: true, message: `${address} open`, value: 'open' }
        : failed(`${address} open, expected closed`, 'open')
    }
    if (result.aborted && !isTimeout(signal)) {
      return failed(`${address} ${abortMessage(signal, ctx)}`)
    }
    if (result.code && RESOLVE_ERRORS.has(result.code)) {
      return failed(`${address} ${result.error}`)
    }
    // The errno alone (ECONNREFUSED) reads best after the address.
    const why = result.aborted
      ? `no answer within ${ctx.timeoutMs}ms`
      : (result.code ?? result.error)
    return wantOpen
      ? failed(`${address} ${why}, expected open`, 'closed')
      : { passed: true, message: `${address} closed (${why})`, value: 'closed' }
  },
})

type ConnectResult =
  { open: true } | { open: false; aborted: boolean; error: string; code?: string }

function connect(host: string, port: number, signal: AbortSignal): Promise<ConnectResult> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ open: false, aborted: true, error: 'aborted' })
      return
    }
    const socket = net.connect({ host, port })
    const done = (result: ConnectResult) => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = () => done({ open: false, aborted: true, error: 'aborted' })
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => done({ open: true }))
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = (err instanceof AggregateError ? (err.errors[0] as NodeJS.ErrnoException) : err)
        ?.code
      done({ open: false, aborted: false, error: errorMessage(err), ...(code ? { code } : {}) })
    })
  })
}
