/**
 * What a target receives. A generic webhook gets one JSON event a program can read; a Slack
 * (or Slack-compatible: Mattermost, Rocket.Chat, Discord's /slack endpoint) incoming webhook
 * gets `{text, blocks}` a person reads, with the run's link. Built once when the delivery is
 * created and stored with it, so a retry after a restart sends exactly the same message.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { NotificationKind, VerdictChange } from '../../shared/continuous.js'

export interface VerdictChangedEvent {
  event: 'verdict.changed'
  change: VerdictChange
  experiment: string
  run: { id: string; verdict?: string; score?: number; reason?: string; url: string }
  previous?: { id: string; verdict: string }
}

export interface ChangeFacts {
  change: VerdictChange
  run: RunSummary
  previous?: { id: string; verdict: string }
  baseUrl: string
}

export function runUrl(baseUrl: string, runId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/runs/${encodeURIComponent(runId)}`
}

export function changeEvent(facts: ChangeFacts): VerdictChangedEvent {
  const { run } = facts
  return {
    event: 'verdict.changed',
    change: facts.change,
    experiment: run.experimentName,
    run: {
      id: run.id,
      ...(run.verdict !== undefined ? { verdict: run.verdict } : {}),
      ...(run.score !== undefined ? { score: run.score } : {}),
      ...(run.reason !== undefined ? { reason: run.reason } : {}),
      url: runUrl(facts.baseUrl, run.id),
    },
    ...(facts.previous !== undefined ? { previous: facts.previous } : {}),
  }
}

const HEADLINE: Record<VerdictChange, string> = {
  failed: ':red_circle: hypothesis disproved',
  recovered: ':large_green_circle: hypothesis holds again',
  error: ':warning: run could not be carried out',
}

/** Slack escapes: `&`, `<` and `>` are its markup. */
const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function slackMessage(event: VerdictChangedEvent): { text: string; blocks: unknown[] } {
  const { run } = event
  const score = run.score !== undefined ? ` (score ${Math.round(run.score * 10) / 10})` : ''
  const headline = `${HEADLINE[event.change]}: *${esc(event.experiment)}*${score}`
  const link = `<${run.url}|run ${esc(run.id)}>`
  const previous =
    event.previous !== undefined
      ? `previous: ${event.previous.verdict} (run ${esc(event.previous.id)})`
      : 'first judged run'
  return {
    text: `${headline}: ${link}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${headline}\n${link}` } },
      ...(run.reason !== undefined
        ? [{ type: 'section', text: { type: 'mrkdwn', text: esc(run.reason.slice(0, 2900)) } }]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: previous }] },
    ],
  }
}

export function payloadFor(kind: NotificationKind, event: VerdictChangedEvent): unknown {
  return kind === 'slack' ? slackMessage(event) : event
}

/** `POST …/targets/:id/test`: proves the URL works, with a link to the Chaos Center. */
export function testPayload(kind: NotificationKind, target: string, baseUrl: string): unknown {
  const text = `ordeal test message for notification target ${target}`
  return kind === 'slack'
    ? { text: `${esc(text)}: <${baseUrl}|Chaos Center>` }
    : { event: 'notification.test', target, message: text, url: baseUrl }
}
