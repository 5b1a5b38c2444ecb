/**
 * The notifier (issue 16 §5): on every ended run, compares its verdict with the experiment's
 * previous judged run (verdict-change.ts); on a change, writes one delivery per matching
 * target (its payload included) and sends it; a delivery that does not go through is retried
 * on the injected clock (retry-policy.ts) until delivered or given up, and resumed from the
 * store after a restart. Every attempt's outcome is in the store, read by the UI.
 * @module
 */
import type { RunSummary } from '../../shared/api.js'
import type { NotificationDelivery, VerdictChange } from '../../shared/continuous.js'
import { newId } from '../auth/secrets.js'
import type { ContinuousDeps } from '../continuous/deps.js'
import type { Timer } from '../continuous/clock.js'
import { HttpError } from '../http/route.js'
import { matchesLabels } from '../api/labels.js'
import type { Notifier } from './contract.js'
import {
  getDelivery,
  insertDelivery,
  listDeliveries,
  pendingDeliveries,
  recordAttempt,
} from './deliveries.js'
import { changeEvent, payloadFor, testPayload } from './payload.js'
import { previousJudgedRun } from './previous-run.js'
import { nextAttemptAt } from './retry-policy.js'
import { postJson, type SendOutcome } from './send.js'
import { deleteTarget, getTarget, insertTarget, listTargets, publicTarget } from './targets.js'
import { verdictChange } from './verdict-change.js'

export interface NotifierOptions {
  /** Per attempt (default send.ts SEND_TIMEOUT_MS). */
  sendTimeoutMs?: number
}

export function createNotifier(deps: ContinuousDeps, options: NotifierOptions = {}): Notifier {
  const timers = new Map<string, Timer>()
  /** Deliveries being sent now: one attempt at a time per delivery. */
  const sending = new Map<string, Promise<void>>()
  const work = new Set<Promise<unknown>>()
  let unsubscribe: (() => void) | undefined
  let stopped = false
  const iso = () => new Date(deps.clock.now()).toISOString()
  const sql = () => deps.ctx.store.sql

  /** Keeps background work awaited by stop(), its failures logged (never thrown at the hub). */
  function track(what: string, promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => {
      deps.ctx.log(
        `notifications: ${what}: ${error instanceof Error ? error.message : String(error)}`
      )
    })
    work.add(tracked)
    void tracked.finally(() => work.delete(tracked))
  }

  function schedule(id: string, at: number): void {
    if (stopped) {
      return
    }
    timers.get(id)?.cancel()
    timers.set(
      id,
      deps.clock.timer(at - deps.clock.now(), function onRetryDue() {
        timers.delete(id)
        track(`delivery ${id}`, attempt(id))
      })
    )
  }

  function attempt(id: string): Promise<void> {
    const running = sending.get(id)
    if (running !== undefined) {
      return running
    }
    const next = sendOnce(id).finally(() => sending.delete(id))
    sending.set(id, next)
    return next
  }

  async function sendOnce(id: string): Promise<void> {
    const delivery = await getDelivery(sql(), id)
    if (delivery === undefined || delivery.status !== 'pending' || stopped) {
      return
    }
    const outcome = await postJson(delivery.url, JSON.parse(delivery.payload), {
      userAgent: `ordeal/${deps.ctx.version}`,
      ...(options.sendTimeoutMs !== undefined ? { timeoutMs: options.sendTimeoutMs } : {}),
    })
    const attempts = delivery.attempts + 1
    const now = deps.clock.now()
    const retryAt = retryTime(outcome, attempts, Date.parse(delivery.createdAt), now)
    const status: NotificationDelivery['status'] =
      outcome.kind === 'delivered' ? 'delivered' : retryAt !== undefined ? 'pending' : 'failed'
    const recorded = await recordAttempt(sql(), id, attempts, {
      status,
      ...(outcome.kind !== 'delivered' ? { lastError: outcome.error } : {}),
      ...(retryAt !== undefined ? { nextAttemptAt: new Date(retryAt).toISOString() } : {}),
      ...(outcome.kind === 'delivered' ? { deliveredAt: new Date(now).toISOString() } : {}),
    })
    if (!recorded) {
      return
    }
    const who = `${delivery.targetName} (run ${delivery.runId})`
    if (status === 'failed') {
      deps.ctx.log(
        `notification to ${who} failed after ${attempts} attempt(s): ${outcome.kind !== 'delivered' ? outcome.error : ''}`
      )
    } else if (retryAt !== undefined) {
      schedule(id, retryAt)
    }
  }

  async function onRunEnded(run: RunSummary): Promise<void> {
    const previous = await previousJudgedRun(sql(), run)
    const change = verdictChange(previous?.verdict as RunSummary['verdict'], run.verdict)
    if (change === undefined || stopped) {
      return
    }
    const experiment = await deps.ctx.store.getExperiment(run.experimentId)
    const labels = experiment?.labels ?? {}
    const event = changeEvent({
      change,
      run,
      ...(previous !== undefined ? { previous } : {}),
      baseUrl: deps.ctx.baseUrl(),
    })
    // Every row first, then the sends side by side: a target that takes its whole timeout
    // does not hold the others back.
    const created: string[] = []
    for (const target of await listTargets(sql())) {
      const wanted = Object.entries(target.labels ?? {}).map(([k, v]) => `${k}=${v}`)
      if (!matchesLabels(labels, wanted)) {
        continue
      }
      const id = await create(
        target.id,
        run.id,
        run.experimentName,
        change,
        payloadFor(target.kind, event)
      )
      if (id !== undefined) {
        created.push(id)
      }
    }
    await Promise.all(created.map(attempt))
  }

  /** The delivery's row (pending, due now); undefined when the target already has one for the run. */
  async function create(
    targetId: string,
    runId: string,
    experimentName: string,
    change: VerdictChange | 'test',
    payload: unknown
  ): Promise<string | undefined> {
    const id = newId('ntd')
    const created = await insertDelivery(sql(), {
      id,
      targetId,
      runId,
      experimentName,
      change,
      payload: JSON.stringify(payload),
      createdAt: iso(),
    })
    return created ? id : undefined
  }

  return {
    async start() {
      stopped = false
      unsubscribe = deps.runEnded.subscribe(function onRunEndedNotify(run) {
        track(`run ${run.id}`, onRunEnded(run))
      })
      for (const row of await pendingDeliveries(sql())) {
        const at = row.next_attempt_at !== null ? Date.parse(row.next_attempt_at) : deps.clock.now()
        schedule(row.id, at)
      }
    },
    async listTargets() {
      return (await listTargets(sql())).map(publicTarget)
    },
    async createTarget(target, by) {
      const stored = {
        id: newId('ntf'),
        name: target.name,
        kind: target.kind,
        url: target.url,
        urlHint: '',
        ...(target.labels !== undefined ? { labels: target.labels } : {}),
        createdAt: iso(),
        createdByName: by.name,
      }
      if (!(await insertTarget(sql(), stored))) {
        throw new HttpError(409, 'conflict', `notification target ${target.name} already exists`)
      }
      const created = await getTarget(sql(), stored.id)
      return publicTarget(created!)
    },
    removeTarget: (id) => deleteTarget(sql(), id),
    async test(id) {
      const target = await getTarget(sql(), id)
      if (target === undefined) {
        return undefined
      }
      const deliveryId = await create(
        target.id,
        newId('test'),
        '',
        'test',
        testPayload(target.kind, target.name, deps.ctx.baseUrl())
      )
      if (deliveryId !== undefined) {
        await attempt(deliveryId)
      }
      const delivery = deliveryId === undefined ? undefined : await getDelivery(sql(), deliveryId)
      if (delivery === undefined) {
        return undefined
      }
      const { url: _, payload: __, ...shown } = delivery
      return shown
    },
    deliveries: (query = {}) =>
      listDeliveries(sql(), {
        ...(query.status !== undefined ? { status: query.status } : {}),
        limit: query.limit ?? 100,
      }),
    async settled() {
      // Work can start more work (a send scheduling its retry is not work until due).
      while (work.size > 0) {
        await Promise.all([...work])
      }
    },
    async stop() {
      stopped = true
      unsubscribe?.()
      unsubscribe = undefined
      for (const timer of timers.values()) {
        timer.cancel()
      }
      timers.clear()
      await Promise.all([...work])
    },
  }
}

function retryTime(
  outcome: SendOutcome,
  attempts: number,
  createdAt: number,
  now: number
): number | undefined {
  if (outcome.kind !== 'retry') {
    return undefined
  }
  return nextAttemptAt(attempts, createdAt, now, outcome.retryAfterMs)
}
