/**
 * The triggers service (`ctx.triggers`): a cache of every experiment's declared triggers
 * (read at start, refreshed on every experiment change), matching of events against them and
 * their conditions, debounce windows on the injected clock, and the run each window starts
 * (launchRun, cause `trigger`), recorded in trigger_firings as ran, failed or skipped.
 * Hooks are created and listed here; deliveries are checked in receive.ts.
 * @module
 */
import type { ContinuousDeps } from '../continuous/deps.js'
import type { Timer } from '../continuous/clock.js'
import type { TriggerEvent, Triggers } from './contract.js'
import type { ContinuousPlacement, CreatedHook, TriggerInfo } from '../../shared/continuous.js'
import { HttpError } from '../http/route.js'
import { launchRun } from '../continuous/launch.js'
import { oneLine } from '../api/validation.js'
import { UNSAFE_CHARS } from '../../shared/names.js'
import { declaredTriggers, type DeclaredTrigger } from './declared.js'
import { Debouncer, type Window } from './debounce.js'
import { HookStore } from './hook-store.js'
import { conditionsHold, fieldAt, fieldText, type Previous } from './conditions.js'
import { changeKeys, reaches, windowAgent } from './match.js'
import { newHookId, newHookSecret } from './signature.js'

/** Deliveries are kept this long (replay protection for senders without a timestamp). */
export const DELIVERY_RETENTION_MS = 7 * 24 * 3_600_000
/** Firings are kept this long. */
export const FIRING_RETENTION_MS = 30 * 24 * 3_600_000
const PRUNE_EVERY_MS = 3_600_000
const MAX_SUMMARY = 200

export function createTriggers(deps: ContinuousDeps): Triggers {
  const { clock } = deps
  const byExperiment = new Map<string, DeclaredTrigger[]>()
  const debouncer = new Debouncer(clock, (window) => track(fire(window)))
  const inflight = new Set<Promise<void>>()
  let store: HookStore | undefined
  let unsubscribe: (() => void) | undefined
  let pruneTimer: Timer | undefined
  let stopped = false
  // Deliveries are matched one at a time: a Change condition reads and writes its trigger's
  // previous event, and two at once would both compare with the same one.
  let queue: Promise<unknown> = Promise.resolve()

  // Each trigger's previous event (its Change keys), written through to trigger_states and
  // read from there once per trigger after a start: one statement per matched event, not two.
  const previousFields = new Map<string, Previous | undefined>()
  const stateKey = (t: DeclaredTrigger) => `${t.experimentId}\u0000${t.name}`
  async function previousOf(t: DeclaredTrigger): Promise<Previous | undefined> {
    const key = stateKey(t)
    if (!previousFields.has(key)) {
      previousFields.set(key, await hooks().previousFields(t.experimentId, t.name))
    }
    return previousFields.get(key)
  }

  const ctx = () => deps.ctx
  const hooks = () => (store ??= new HookStore(ctx().store.sql))
  // Names in these lines come from manifests, senders and agents: one printable line each.
  const log = (line: string) => ctx().log(`triggers: ${printable(line)}`)

  function track(p: Promise<void>): void {
    inflight.add(p)
    void p.finally(() => inflight.delete(p))
  }

  async function refresh(experimentId: string): Promise<void> {
    const experiment = await ctx().store.getExperiment(experimentId)
    if (experiment === undefined) {
      byExperiment.delete(experimentId)
      for (const key of previousFields.keys()) {
        if (key.startsWith(`${experimentId}\u0000`)) {
          previousFields.delete(key)
        }
      }
      // Its firings and state went with it (ON DELETE CASCADE): nothing to record.
      debouncer.dropExperiment(experimentId)
      return
    }
    const declared = declaredTriggers(experiment)
    if (declared.length === 0) {
      byExperiment.delete(experimentId)
    } else {
      byExperiment.set(experimentId, declared)
    }
  }

  function current(window: Window): DeclaredTrigger | undefined {
    return byExperiment
      .get(window.trigger.experimentId)
      ?.find((t) => t.name === window.trigger.name)
  }

  async function record(
    window: Window,
    firing: Omit<Parameters<HookStore['insertFiring']>[0], 'experimentId' | 'name' | 'events'>
  ) {
    try {
      await hooks().insertFiring({
        experimentId: window.trigger.experimentId,
        name: window.trigger.name,
        events: window.events,
        ...firing,
      })
    } catch (error) {
      log(
        `${window.trigger.experimentName}/${window.trigger.name}: firing not recorded: ${oneLine(String(error))}`
      )
    }
  }

  async function fire(window: Window): Promise<void> {
    if (stopped) {
      return
    }
    const at = new Date(clock.now()).toISOString()
    const label = `${window.trigger.experimentName}/${window.trigger.name}`
    const trigger = current(window)
    const experiment = await ctx().store.getExperiment(window.trigger.experimentId)
    if (trigger === undefined || experiment === undefined) {
      await record(window, {
        at,
        outcome: 'skipped',
        reason: 'the trigger is no longer in the experiment’s manifest',
      })
      return
    }
    // A kubernetes trigger without placement runs on the agent whose window this is.
    const placement: ContinuousPlacement | undefined =
      trigger.placement ?? (window.agent !== undefined ? { agent: window.agent } : undefined)
    try {
      const run = await launchRun(ctx(), {
        experiment,
        cause: {
          kind: 'trigger',
          trigger: trigger.name,
          source: trigger.on === 'kubernetes' ? 'kubernetes' : (trigger.hook ?? trigger.on),
          events: window.events,
          summary: window.last.summary,
        },
        ...(placement !== undefined ? { placement } : {}),
      })
      await record(window, { at, outcome: 'ran', runId: run.id })
      log(`${label}: ${window.events} event(s) → run ${run.id}`)
    } catch (error) {
      const reason = oneLine(error instanceof Error ? error.message : String(error))
      await record(window, { at, outcome: 'failed', reason })
      log(`${label}: ${window.events} event(s), the run could not start: ${reason}`)
    }
  }

  /**
   * Every write first (each Change trigger's new previous event, to the store), then memory and
   * the debouncer: a store failure part-way leaves memory as it was and adds no event, so the
   * sender's retry (its delivery is released) is matched afresh, not seen as "unchanged" and not
   * counted twice.
   */
  async function match(event: TriggerEvent): Promise<string[]> {
    const hits: DeclaredTrigger[] = []
    const states: { trigger: DeclaredTrigger; now: Previous }[] = []
    for (const triggers of byExperiment.values()) {
      for (const trigger of triggers) {
        if (!reaches(trigger, event)) {
          continue
        }
        const keys = changeKeys(trigger)
        const previous = keys.length > 0 ? await previousOf(trigger) : undefined
        if (conditionsHold(trigger.conditions, trigger.conditionType, event.fields, previous)) {
          hits.push(trigger)
        }
        if (keys.length > 0) {
          const now: Previous = {}
          for (const key of keys) {
            const value = fieldText(fieldAt(event.fields, key))
            if (value !== undefined) {
              now[key] = value
            }
          }
          await hooks().setPreviousFields(trigger.experimentId, trigger.name, now)
          states.push({ trigger, now })
        }
      }
    }
    for (const { trigger, now } of states) {
      previousFields.set(stateKey(trigger), now)
    }
    const matched: string[] = []
    for (const trigger of hits) {
      debouncer.add(trigger, event, windowAgent(trigger, event))
      matched.push(`${trigger.experimentName}/${trigger.name}`)
    }
    return matched
  }

  function armPrune(): void {
    pruneTimer = clock.timer(PRUNE_EVERY_MS, () => {
      track(prune().finally(() => !stopped && armPrune()))
    })
  }

  async function prune(): Promise<void> {
    try {
      const now = clock.now()
      await hooks().pruneDeliveries(new Date(now - DELIVERY_RETENTION_MS).toISOString())
      await hooks().pruneFirings(new Date(now - FIRING_RETENTION_MS).toISOString())
    } catch (error) {
      log(`pruning old deliveries failed: ${oneLine(String(error))}`)
    }
  }

  return {
    async start() {
      // Deliveries a stopped or crashed server left half-handled: settled, their replay keys
      // given back (the senders' retries are taken, not refused as replays).
      try {
        const settled = await hooks().settleUnfinished(
          new Date(clock.now()).toISOString(),
          'the server stopped while matching it: send it again'
        )
        if (settled > 0) {
          log(`${settled} delivery(ies) left half-handled by the last run of the server: released`)
        }
      } catch (error) {
        log(`settling half-handled deliveries failed: ${oneLine(String(error))}`)
      }
      unsubscribe = deps.changes.subscribe((id) => refresh(id))
      for (const summary of await ctx().store.listExperiments()) {
        await refresh(summary.id)
      }
      await prune()
      armPrune()
    },

    experimentChanged: refresh,

    deliver(event) {
      const clean: TriggerEvent = { ...event, summary: summaryLine(event.summary) }
      const result = queue.then(() => match(clean))
      queue = result.catch(() => undefined)
      return result
    },

    async list(experimentId) {
      const triggers =
        experimentId === undefined
          ? [...byExperiment.values()].flat()
          : (byExperiment.get(experimentId) ?? [])
      const sorted = [...triggers].sort(
        (a, b) => a.experimentName.localeCompare(b.experimentName) || a.name.localeCompare(b.name)
      )
      return Promise.all(sorted.map(async (t) => info(t)))
    },

    async createHook(hook, by) {
      const created = {
        id: newHookId(),
        name: hook.name,
        kind: hook.kind,
        secret: newHookSecret(),
        createdAt: new Date(clock.now()).toISOString(),
        createdBy: by.id,
        createdByName: by.name,
      }
      if (!(await hooks().insertHook(created))) {
        throw new HttpError(409, 'conflict', `hook ${hook.name} already exists`)
      }
      const answer: CreatedHook = {
        id: created.id,
        name: created.name,
        kind: created.kind,
        createdAt: created.createdAt,
        createdByName: created.createdByName,
        url: `${ctx().baseUrl()}/api/hooks/${created.id}`,
        secret: created.secret,
      }
      return answer
    },

    listHooks: () => hooks().listHooks(),

    removeHook: (id) => hooks().deleteHook(id),

    async deliveries(hookId, limit = 50) {
      if ((await hooks().hookInfo(hookId)) === undefined) {
        return undefined
      }
      return hooks().deliveries(hookId, limit)
    },

    async stop() {
      stopped = true
      unsubscribe?.()
      pruneTimer?.cancel()
      const dropped = debouncer.dropAll()
      await Promise.allSettled([...inflight])
      const at = new Date(clock.now()).toISOString()
      for (const window of dropped) {
        await record(window, {
          at,
          outcome: 'skipped',
          reason: `the server stopped before the debounce window ended (${window.events} event(s) dropped)`,
        })
        // The senders were answered 202 and their keys claimed: give the keys back so a retry
        // (or a resend after the upgrade) is taken instead of refused as a replay.
        try {
          await hooks().releaseDeliveries(
            window.deliveryRows,
            'the server stopped before its debounce window ended: send it again'
          )
        } catch (error) {
          log(`releasing dropped deliveries failed: ${oneLine(String(error))}`)
        }
      }
    },
  }

  async function info(t: DeclaredTrigger): Promise<TriggerInfo> {
    const last = await hooks().lastFiring(t.experimentId, t.name)
    return {
      experimentId: t.experimentId,
      experimentName: t.experimentName,
      name: t.name,
      on: t.on,
      ...(t.hook !== undefined ? { hook: t.hook } : {}),
      ...(t.app !== undefined ? { app: t.app } : {}),
      conditions: t.conditions,
      conditionType: t.conditionType,
      debounceMs: t.debounceMs,
      ...(t.placement !== undefined ? { placement: t.placement } : {}),
      ...(last !== undefined ? { lastFiring: last } : {}),
      pendingEvents: debouncer.pending(t.experimentId, t.name),
    }
  }
}

const printable = (text: string): string =>
  [...text].map((c) => (UNSAFE_CHARS.test(c) ? ' ' : c)).join('')

/** A sender's text as one printable line of at most 200 characters (it reaches logs and pages). */
function summaryLine(summary: string): string {
  const line = printable(summary).trim()
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line
}
