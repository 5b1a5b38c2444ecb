/**
 * `rabbitmq`: a queue's depth or rates from the management HTTP API
 * (`/api/queues/{vhost}/{queue}`). The broker refreshes these figures every
 * `collect_statistics_interval` (5 s by default), so a reading is up to that old.
 * @module
 */
import { renderTemplate } from '../../shared/template.js'
import type { MetricSource } from '../contract.js'
import type { RabbitmqSourceInput, RabbitmqValue } from '../schema.js'
import { getJson } from '../http-json.js'

interface QueueAnswer {
  messages?: number
  messages_ready?: number
  messages_unacknowledged?: number
  message_stats?: Record<string, { rate?: number } | number | undefined>
  error?: string
  reason?: string
}

/** The `message_stats` entry each rate reads. */
const RATES: Partial<Record<RabbitmqValue, string>> = {
  publish_rate: 'publish_details',
  deliver_rate: 'deliver_get_details',
  ack_rate: 'ack_details',
}

export const rabbitmqSource: MetricSource<RabbitmqSourceInput> = {
  kind: 'rabbitmq',

  describe(params) {
    return `rabbitmq queue ${params.queue} on vhost ${params.vhost ?? '/'}: ${params.value ?? 'messages'}`
  },

  async read(params, ctx) {
    const base = renderTemplate(params.url, ctx.vars).replace(/\/+$/, '')
    const vhost = encodeURIComponent(params.vhost ?? '/')
    const url = `${base}/api/queues/${vhost}/${encodeURIComponent(params.queue)}`
    const auth = Buffer.from(`${params.user ?? 'guest'}:${params.password ?? 'guest'}`).toString(
      'base64'
    )
    const { status, body } = await getJson(url, ctx.signal, { authorization: `Basic ${auth}` })
    const queue = (body ?? {}) as QueueAnswer
    if (status === 404) {
      throw new Error(`no queue '${params.queue}' on vhost '${params.vhost ?? '/'}' (status 404)`)
    }
    if (status !== 200) {
      const why = [queue.error, queue.reason].filter(Boolean).join(': ')
      throw new Error(`status ${status}${why ? `: ${why}` : ''}`)
    }
    return valueOf(queue, params.value ?? 'messages')
  },
}

/** The figure asked for; a rate with no activity yet (no `message_stats` entry) reads 0. */
export function valueOf(queue: QueueAnswer, value: RabbitmqValue): number {
  const stat = RATES[value]
  if (stat !== undefined) {
    const details = queue.message_stats?.[stat]
    const rate = typeof details === 'object' ? details.rate : undefined
    return typeof rate === 'number' && Number.isFinite(rate) ? rate : 0
  }
  const figure = queue[value as 'messages' | 'messages_ready' | 'messages_unacknowledged']
  if (typeof figure !== 'number') {
    // Right after the queue is declared the broker has not collected its statistics yet.
    throw new Error(`the queue has no '${value}' figure yet (statistics not collected)`)
  }
  return figure
}
